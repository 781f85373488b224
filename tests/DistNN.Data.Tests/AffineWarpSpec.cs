using DistNN.Data.Augmentation;

namespace DistNN.Data.Tests;

public class AffineWarpSpec
{
    private static float[] Image(int height, int width, int channels, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, height * width * channels).Select(_ => rng.NextSingle()).ToArray();
    }

    private static float[] Warp(float[] image, int height, int width, int channels, double angle, double dx, double dy)
    {
        var output = new float[image.Length];
        AffineWarp.Apply(image, output, height, width, channels, angle, dx, dy);
        return output;
    }

    [Fact]
    public void Rotation_by_zero_and_shift_by_zero_is_the_identity()
    {
        var image = Image(6, 5, 2, 1);

        Assert.Equal(image, Warp(image, 6, 5, 2, angle: 0, dx: 0, dy: 0));
    }

    [Theory]
    [InlineData(2, -1)]
    [InlineData(-3, 2)]
    public void Whole_pixel_shift_moves_a_bright_pixel_by_that_amount(int dx, int dy)
    {
        var image = new float[7 * 7];
        image[3 * 7 + 3] = 1f;

        var shifted = Warp(image, 7, 7, 1, angle: 0, dx, dy);

        var expected = new float[7 * 7];
        expected[(3 + dy) * 7 + (3 + dx)] = 1f;
        Assert.Equal(expected, shifted);
    }

    [Fact]
    public void Half_pixel_shift_splits_a_bright_pixel_between_two_neighbours()
    {
        var image = new float[5 * 5];
        image[2 * 5 + 2] = 1f;

        var shifted = Warp(image, 5, 5, 1, angle: 0, dx: 0.5, dy: 0);

        Assert.Equal(0.5f, shifted[2 * 5 + 2], 6);
        Assert.Equal(0.5f, shifted[2 * 5 + 3], 6);
        Assert.Equal(1f, shifted.Sum(), 6);
    }

    [Fact]
    public void Rotation_by_90_degrees_turns_the_picture_counter_clockwise_about_the_centre()
    {
        const int n = 5;
        var image = Image(n, n, 1, 2);

        var rotated = Warp(image, n, n, 1, angle: 90, dx: 0, dy: 0);

        // Counter-clockwise on screen: the input's right column becomes the output's top row.
        for (int y = 0; y < n; y++)
        {
            for (int x = 0; x < n; x++)
            {
                Assert.Equal(image[x * n + (n - 1 - y)], rotated[y * n + x], 5);
            }
        }
    }

    [Fact]
    public void Channels_move_together()
    {
        var image = new float[4 * 4 * 3];
        for (int c = 0; c < 3; c++)
        {
            image[(1 * 4 + 1) * 3 + c] = c + 1;
        }

        var shifted = Warp(image, 4, 4, 3, angle: 0, dx: 1, dy: 2);

        Assert.Equal([1f, 2f, 3f], shifted.AsSpan((3 * 4 + 2) * 3, 3).ToArray());
        Assert.Equal(6f, shifted.Sum());
    }

    [Fact]
    public void Content_shifted_out_of_the_image_is_replaced_by_zeros()
    {
        var image = Enumerable.Repeat(1f, 4 * 4).ToArray();

        var shifted = Warp(image, 4, 4, 1, angle: 0, dx: 1, dy: 0);

        for (int y = 0; y < 4; y++)
        {
            Assert.Equal(0f, shifted[y * 4]);
            Assert.Equal(1f, shifted[y * 4 + 3]);
        }
    }

    [Fact]
    public void Shift_past_the_border_leaves_an_empty_image()
    {
        var image = Enumerable.Repeat(1f, 3 * 3).ToArray();

        Assert.All(Warp(image, 3, 3, 1, angle: 0, dx: 0, dy: -5), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Whole_pixel_shift_agrees_with_bilinear_resampling_at_a_vanishing_angle()
    {
        var image = Image(8, 6, 2, 3);

        var exact = Warp(image, 8, 6, 2, angle: 0, dx: -2, dy: 1);
        var bilinear = Warp(image, 8, 6, 2, angle: 1e-9, dx: -2, dy: 1);

        for (int i = 0; i < exact.Length; i++)
        {
            Assert.Equal(exact[i], bilinear[i], 4);
        }
    }
}
