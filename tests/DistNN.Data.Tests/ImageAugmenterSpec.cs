using DistNN.Data.Augmentation;

namespace DistNN.Data.Tests;

public class ImageAugmenterSpec
{
    private static Tensor RandomBatch(int n, int h, int w, int c, int seed)
    {
        var rng = new Random(seed);
        var t = new Tensor(n, h, w, c);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = rng.NextSingle();
        }
        return t;
    }

    private static float[] Augment(string options, int seed, Tensor input, int batches = 1)
    {
        var augmenter = new ImageAugmenter(AugmentationOptions.Parse(options), seed);
        var batch = input.Clone();
        for (int i = 0; i < batches; i++)
        {
            batch.CopyFrom(input);
            augmenter.Apply(batch);
        }
        return batch.Span.ToArray();
    }

    [Fact]
    public void Same_seed_and_batch_sequence_give_the_same_output()
    {
        var input = RandomBatch(8, 10, 10, 1, 1);

        var a = Augment("noise=0.1,rotate=10,shift=2", seed: 5, input, batches: 3);
        var b = Augment("noise=0.1,rotate=10,shift=2", seed: 5, input, batches: 3);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Another_seed_or_another_batch_gives_other_output()
    {
        var input = RandomBatch(8, 10, 10, 1, 1);

        var first = Augment("noise=0.1,rotate=10,shift=2", seed: 5, input, batches: 1);
        var second = Augment("noise=0.1,rotate=10,shift=2", seed: 5, input, batches: 2);
        var otherSeed = Augment("noise=0.1,rotate=10,shift=2", seed: 6, input, batches: 1);

        Assert.NotEqual(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void Explicit_stream_k_reproduces_the_kth_batch_of_the_sequence()
    {
        var input = RandomBatch(4, 6, 6, 1, 2);
        var options = AugmentationOptions.Parse("noise=0.2,rotate=15,shift=1.5");

        var sequential = Augment(options.ToString(), seed: 3, input, batches: 3);
        var direct = input.Clone();
        new ImageAugmenter(options, 3).Apply(direct, stream: 2);

        Assert.Equal(sequential, direct.Span.ToArray());
    }

    [Theory]
    [InlineData("none")]
    [InlineData("rotate=0")]
    [InlineData("shift=0")]
    public void Disabled_options_leave_the_batch_unchanged(string options)
    {
        var input = RandomBatch(3, 5, 5, 2, 3);

        Assert.Equal(input.Span.ToArray(), Augment(options, seed: 1, input));
    }

    [Fact]
    public void Whole_pixel_shifts_move_a_bright_pixel_by_at_most_the_bound_and_use_the_whole_range()
    {
        const int n = 200, size = 9, bound = 2;
        var input = new Tensor(n, size, size, 1);
        for (int i = 0; i < n; i++)
        {
            input[i * size * size + 4 * size + 4] = 1f;
        }

        var output = Augment("shift=2", seed: 9, input);

        var offsets = new HashSet<(int, int)>();
        for (int i = 0; i < n; i++)
        {
            var image = output.AsSpan(i * size * size, size * size);
            int at = image.IndexOf(1f);
            Assert.True(at >= 0, $"image {i} lost its bright pixel");
            Assert.Equal(1f, image.ToArray().Sum());
            int dx = at % size - 4, dy = at / size - 4;
            Assert.InRange(dx, -bound, bound);
            Assert.InRange(dy, -bound, bound);
            offsets.Add((dx, dy));
        }
        Assert.Equal(25, offsets.Count);
    }

    [Fact]
    public void Noise_has_the_requested_standard_deviation()
    {
        var input = new Tensor(64, 28, 28, 1);
        input.Fill(0.5f);

        var output = Augment("noise=0.1", seed: 4, input);

        double mean = output.Average(v => (double)v);
        double std = Math.Sqrt(output.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, 0.498, 0.502);
        Assert.InRange(std, 0.097, 0.103);
    }

    [Fact]
    public void Noisy_values_are_clipped_to_the_unit_range()
    {
        var input = new Tensor(16, 8, 8, 1);
        input.Fill(0.5f);

        var output = Augment("noise=1", seed: 4, input);

        Assert.All(output, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(0f, output);
        Assert.Contains(1f, output);
    }

    [Fact]
    public void Augmenting_a_filled_batch_leaves_its_targets_and_the_dataset_untouched()
    {
        var features = Enumerable.Range(0, 4 * 16).Select(i => (i % 7) / 7f).ToArray();
        var dataset = new Dataset("d", features.ToArray(), [4, 4, 1], [0, 2, 1, 2], 3);
        var inputs = new Tensor(4, 4, 4, 1);
        var targets = new Tensor(4, 3);
        dataset.FillBatch([3, 1, 0, 2], inputs, targets);
        var targetsBefore = targets.Span.ToArray();
        var inputsBefore = inputs.Span.ToArray();

        new ImageAugmenter(AugmentationOptions.Parse("noise=0.3,rotate=20,shift=1"), 1).Apply(inputs);

        Assert.NotEqual(inputsBefore, inputs.Span.ToArray());
        Assert.Equal(targetsBefore, targets.Span.ToArray());
        Assert.Equal(features, dataset.Features);
    }

    [Fact]
    public void Rotation_of_a_flat_batch_is_refused_with_the_shape()
    {
        var flat = new Tensor(2, 784);
        var augmenter = new ImageAugmenter(AugmentationOptions.Parse("rotate=5"), 1);

        var error = Assert.Throws<ArgumentException>(() => augmenter.Apply(flat));

        Assert.Contains("2×784", error.Message);
    }

    [Fact]
    public void A_batch_after_warm_up_allocates_nothing()
    {
        var batch = RandomBatch(16, 12, 12, 1, 5);
        var augmenter = new ImageAugmenter(AugmentationOptions.Parse("noise=0.1,rotate=10,shift=1.5"), 1);
        augmenter.Apply(batch);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            augmenter.Apply(batch);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Noise_on_an_odd_number_of_values_perturbs_every_value()
    {
        var input = new Tensor(1, 3, 3, 1);
        input.Fill(0.5f);

        var output = Augment("noise=0.05", seed: 2, input);

        Assert.All(output, v => Assert.NotEqual(0.5f, v));
        Assert.Equal(9, output.Distinct().Count());
    }
}
