using DistNN.Nn.Activations;
using DistNN.Nn.Layers;

namespace DistNN.Nn.Tests;

public class DenseSpec
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 4)]
    [InlineData(7, 13, 2)]
    public void Dense_gradients_match_finite_differences(int batch, int inFeatures, int units)
    {
        var rng = new Random(1);
        var layer = new Dense(units, new Relu()) { Name = "d" };
        layer.Build([inFeatures]);
        layer.Initialize(rng);
        GradientCheck.Random(rng, units).Span.CopyTo(layer.Bias.Value.Span);
        var x = GradientCheck.Random(rng, batch, inFeatures);

        GradientCheck.Layer(layer, x, (xi, p) =>
        {
            var y = new double[batch * units];
            for (int b = 0; b < batch; b++)
            {
                for (int u = 0; u < units; u++)
                {
                    double z = p[1][u];
                    for (int i = 0; i < inFeatures; i++)
                    {
                        z += xi[b * inFeatures + i] * p[0][i * units + u];
                    }
                    y[b * units + u] = Math.Max(0, z);
                }
            }
            return y;
        });
    }
}
