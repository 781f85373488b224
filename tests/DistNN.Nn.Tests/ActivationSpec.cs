using DistNN.Nn.Activations;
using DistNN.Nn.Layers;
using DistNN.Nn.Models;

namespace DistNN.Nn.Tests;

public class ActivationSpec
{
    /// <summary>Double-precision oracles applied over rows of the last axis.</summary>
    private static double[] Oracle(string name, double[] z, int rowLength)
    {
        var a = new double[z.Length];
        for (int start = 0; start < z.Length; start += rowLength)
        {
            if (name == "softmax")
            {
                double max = double.NegativeInfinity;
                for (int i = 0; i < rowLength; i++)
                {
                    max = Math.Max(max, z[start + i]);
                }
                double sum = 0;
                for (int i = 0; i < rowLength; i++)
                {
                    sum += Math.Exp(z[start + i] - max);
                }
                for (int i = 0; i < rowLength; i++)
                {
                    a[start + i] = Math.Exp(z[start + i] - max) / sum;
                }
                continue;
            }
            for (int i = start; i < start + rowLength; i++)
            {
                a[i] = name switch
                {
                    "relu" => Math.Max(0, z[i]),
                    "sigmoid" => 1 / (1 + Math.Exp(-z[i])),
                    "tanh" => Math.Tanh(z[i]),
                    "linear" => z[i],
                    _ => throw new ArgumentException(name),
                };
            }
        }
        return a;
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("softmax")]
    [InlineData("linear")]
    public void Activation_layer_gradients_match_finite_differences(string name)
    {
        var rng = new Random(3);
        var layer = new ActivationLayer(Activation.FromName(name) ?? new Linear()) { Name = name };
        layer.Build([3, 7]);
        // 4 × 3 × 7 = 84 values: longer than a vector, with a scalar tail.
        var x = GradientCheck.Random(rng, 4, 3, 7);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] *= 3;
        }

        GradientCheck.Layer(layer, x, (xi, _) => Oracle(name, xi, 7));
    }

    [Theory]
    [InlineData("relu")]
    [InlineData("sigmoid")]
    [InlineData("tanh")]
    [InlineData("softmax")]
    [InlineData("linear")]
    public void Dense_with_fused_activation_gradients_match_finite_differences(string name)
    {
        const int batch = 5, inFeatures = 6, units = 19;
        var rng = new Random(4);
        var layer = new Dense(units, name == "linear" ? new Linear() : Activation.FromName(name)) { Name = "d" };
        layer.Build([inFeatures]);
        layer.Initialize(rng);
        GradientCheck.Random(rng, units).Span.CopyTo(layer.Bias.Value.Span);
        var x = GradientCheck.Random(rng, batch, inFeatures);

        GradientCheck.Layer(layer, x, (xi, p) =>
        {
            var z = new double[batch * units];
            for (int b = 0; b < batch; b++)
            {
                for (int u = 0; u < units; u++)
                {
                    double s = p[1][u];
                    for (int i = 0; i < inFeatures; i++)
                    {
                        s += xi[b * inFeatures + i] * p[0][i * units + u];
                    }
                    z[b * units + u] = s;
                }
            }
            return Oracle(name, z, units);
        });
    }

    [Fact]
    public void Softmax_rows_sum_to_one_and_survive_huge_logits()
    {
        var softmax = new Softmax();
        float[] z = [1000f, 1001f, 999f, -5f, 0f, 5f];
        var a = new float[6];

        softmax.Forward(z, a, rowLength: 3);

        Assert.All(a, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1.0, a[0] + a[1] + a[2], 5);
        Assert.Equal(1.0, a[3] + a[4] + a[5], 5);
        Assert.True(a[1] > a[0] && a[0] > a[2]);
    }

    [Fact]
    public void Step_is_one_only_for_positive_input()
    {
        float[] z = [-1f, 0f, 1e-6f, 3f];
        var a = new float[4];

        new Step().Forward(z, a);

        Assert.Equal([0f, 0f, 1f, 1f], a);
    }

    [Fact]
    public void Step_in_a_dense_layer_is_rejected_at_build_naming_the_layer()
    {
        var spec = new ModelSpec
        {
            Input = [2],
            Layers = [new LayerSpec { Type = "dense", Name = "gate", Units = 1, Activation = "step" }],
        };

        var e = Assert.Throws<ShapeException>(() => ModelBuilder.Build(spec, 1));

        Assert.Contains("'gate'", e.Message);
        Assert.Contains("step", e.Message);
        Assert.Contains("Perceptron", e.Message);
    }

    [Fact]
    public void Step_as_an_activation_layer_is_rejected_at_build_naming_the_layer()
    {
        var spec = new ModelSpec
        {
            Input = [2],
            Layers =
            [
                new LayerSpec { Type = "dense", Units = 3 },
                new LayerSpec { Type = "activation", Name = "threshold", Activation = "step" },
            ],
        };

        var e = Assert.Throws<ShapeException>(() => ModelBuilder.Build(spec, 1));

        Assert.Contains("'threshold'", e.Message);
        Assert.Contains("no useful gradient", e.Message);
    }
}
