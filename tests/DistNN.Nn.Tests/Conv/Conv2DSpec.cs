using DistNN.Nn.Activations;
using DistNN.Nn.Layers.Conv;

namespace DistNN.Nn.Tests.Conv;

public class Conv2DSpec
{
    [Theory]
    [InlineData(2, 5, 7, 1, 1, 3, 3, 1, 1, "valid", false)]
    [InlineData(2, 5, 7, 2, 4, 3, 2, 1, 1, "same", false)]
    [InlineData(1, 5, 7, 3, 4, 3, 2, 2, 2, "same", false)]
    [InlineData(2, 5, 7, 3, 1, 2, 3, 2, 1, "[1,0,2,1]", false)]
    [InlineData(1, 5, 7, 2, 4, 3, 3, 2, 2, "valid", false)]
    [InlineData(2, 5, 7, 1, 4, 3, 3, 1, 1, "same", true)]
    [InlineData(2, 5, 7, 3, 4, 1, 1, 1, 1, "valid", false)]
    [InlineData(1, 6, 6, 2, 4, 4, 4, 3, 3, "same", true)]
    [InlineData(2, 5, 7, 2, 1, 3, 2, 2, 2, "1", false)]
    [InlineData(2, 5, 7, 4, 4, 3, 3, 2, 1, "same", true)]
    [InlineData(1, 5, 7, 1, 24, 3, 3, 1, 1, "same", true)]
    [InlineData(1, 4, 5, 2, 20, 3, 2, 1, 1, "valid", false)]
    [InlineData(1, 5, 7, 6, 2, 3, 2, 1, 2, "[0,1,1,0]", false)]
    [InlineData(2, 6, 5, 1, 32, 3, 3, 1, 1, "same", true)]
    [InlineData(1, 6, 5, 1, 35, 3, 3, 1, 1, "same", false)]
    public void Conv2D_gradients_match_finite_differences_of_a_naive_convolution(
        int batch, int height, int width, int channels, int filters, int kh, int kw, int sh, int sw, string padding, bool relu) =>
        MatchesNaiveConvolution(new Random(3), batch, height, width, channels, filters, kh, kw, sh, sw, padding, relu);

    /// <summary>Forward values and finite-difference gradients of a random Conv2D against <see cref="NaiveConvolution"/>.</summary>
    internal static void MatchesNaiveConvolution(
        Random rng, int batch, int height, int width, int channels, int filters, int kh, int kw, int sh, int sw, string padding, bool relu)
    {
        var layer = new Conv2D(filters, kh, kw, sh, sw, Padding2D.Parse(padding), relu ? new Relu() : null) { Name = "conv" };
        layer.Build([height, width, channels]);
        layer.Initialize(rng);
        GradientCheck.Random(rng, filters).Span.CopyTo(layer.Bias.Value.Span);
        var x = GradientCheck.Random(rng, batch, height, width, channels);
        var g = layer.Geometry;

        GradientCheck.Layer(layer, x, (xi, p) => NaiveConvolution.Forward(xi, p[0], p[1], batch, g, filters, relu));
    }

    [Fact]
    public void Conv2D_in_several_slices_matches_naive_convolution_on_a_larger_case()
    {
        var rng = new Random(5);
        // 3 images of 196·288 floats each in slices of 2 images: one full slice and a remainder.
        var layer = new Conv2D(64, 3, 3, padding: Padding2D.Same, activation: new Relu()) { Name = "conv", SliceFloats = 2 * 196 * 288 };
        layer.Build([14, 14, 32]);
        layer.Initialize(rng);
        GradientCheck.Random(rng, 64).Span.CopyTo(layer.Bias.Value.Span);
        var x = GradientCheck.Random(rng, 3, 14, 14, 32);

        var y = layer.Forward(x, training: true);

        var expected = NaiveConvolution.Forward(GradientCheck.ToDouble(x.Span), GradientCheck.ToDouble(layer.Weights.Value.Span),
            GradientCheck.ToDouble(layer.Bias.Value.Span), 3, layer.Geometry, 64, relu: true);
        GradientCheck.AssertClose(expected, GradientCheck.ToDouble(y.Span), 1e-5, "conv forward");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Conv2D_gradients_do_not_depend_on_the_slice_size(int channels)
    {
        var rng = new Random(9);
        var x = GradientCheck.Random(rng, 5, 9, 8, channels);
        var dy = GradientCheck.Random(rng, 5, 5, 4, 6);
        (double[] Dx, double[] Dw, double[] Db) Run(int sliceFloats)
        {
            var layer = new Conv2D(6, 3, 3, 2, 2, Padding2D.Same) { Name = "conv", SliceFloats = sliceFloats };
            layer.Build([9, 8, channels]);
            layer.Initialize(new Random(1));
            layer.Forward(x, training: true);
            var dx = layer.Backward(dy)!;
            return (GradientCheck.ToDouble(dx.Span), GradientCheck.ToDouble(layer.Weights.Grad!.Span), GradientCheck.ToDouble(layer.Bias.Grad!.Span));
        }

        var whole = Run(1 << 20);
        var perImage = Run(1);

        GradientCheck.AssertClose(whole.Dx, perImage.Dx, 1e-5, "dx");
        GradientCheck.AssertClose(whole.Dw, perImage.Dw, 1e-5, "dW");
        GradientCheck.AssertClose(whole.Db, perImage.Db, 1e-5, "db");
    }

    [Fact]
    public void Conv2D_as_first_layer_returns_no_input_gradient_but_fills_weight_gradients()
    {
        var rng = new Random(2);
        var layer = new Conv2D(4, 3, 3, padding: Padding2D.Same) { Name = "conv", NeedsInputGradient = false };
        layer.Build([6, 6, 1]);
        layer.Initialize(rng);
        var x = GradientCheck.Random(rng, 2, 6, 6, 1);
        layer.Forward(x, training: true);
        layer.Weights.Grad!.Fill(float.NaN);

        var dx = layer.Backward(GradientCheck.Random(rng, 2, 6, 6, 4));

        Assert.Null(dx);
        Assert.All(GradientCheck.ToDouble(layer.Weights.Grad!.Span), v => Assert.True(double.IsFinite(v)));
    }
}
