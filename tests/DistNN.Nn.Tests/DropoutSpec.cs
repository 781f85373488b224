using DistNN.Nn.Layers;

namespace DistNN.Nn.Tests;

public class DropoutSpec
{
    [Fact]
    public void Dropout_backward_uses_the_forward_mask()
    {
        var rng = new Random(5);
        var layer = new Dropout(0.4) { Name = "drop" };
        layer.Build([11]);
        layer.Initialize(rng);
        var x = GradientCheck.Random(rng, 6, 11);

        // The oracle reads the mask drawn by the one forward pass the check makes.
        GradientCheck.Layer(layer, x, (xi, _) =>
        {
            var mask = layer.Mask!;
            return xi.Select((v, i) => v * mask[i]).ToArray();
        });
    }

    [Fact]
    public void Dropout_keeps_one_minus_p_of_units_scaled_by_its_inverse()
    {
        var layer = new Dropout(0.25);
        layer.Build([1000]);
        layer.Initialize(new Random(1));
        var x = new Tensor(20, 1000);
        x.Fill(1f);

        var y = layer.Forward(x, training: true);

        var values = y.Span.ToArray();
        Assert.All(values, v => Assert.True(v == 0f || Math.Abs(v - 1f / 0.75f) < 1e-6));
        double kept = values.Count(v => v != 0f) / (double)values.Length;
        Assert.InRange(kept, 0.74, 0.76);
        Assert.InRange(values.Average(), 0.98, 1.02);
    }

    [Fact]
    public void Dropout_is_the_identity_in_evaluation()
    {
        var layer = new Dropout(0.5);
        layer.Build([8]);
        layer.Initialize(new Random(1));
        var x = GradientCheck.Random(new Random(2), 3, 8);

        var y = layer.Forward(x, training: false);

        Assert.Equal(x.Span.ToArray(), y.Span.ToArray());
    }

    [Fact]
    public void Dropout_masks_are_reproducible_from_the_seed()
    {
        float[] Draw()
        {
            var layer = new Dropout(0.5);
            layer.Build([64]);
            layer.Initialize(new Random(42));
            var x = new Tensor(2, 64);
            x.Fill(1f);
            return layer.Forward(x, training: true).Span.ToArray();
        }

        Assert.Equal(Draw(), Draw());
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Dropout_rejects_a_rate_outside_zero_to_one(double rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(rate));
    }
}
