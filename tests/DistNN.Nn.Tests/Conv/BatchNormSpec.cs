using DistNN.Nn.Layers;

namespace DistNN.Nn.Tests.Conv;

public class BatchNormSpec
{
    [Theory]
    [InlineData(new[] { 5, 3 })]
    [InlineData(new[] { 2, 3, 4, 5 })]
    public void BatchNorm_in_training_gradients_match_finite_differences(int[] shape)
    {
        var rng = new Random(6);
        var layer = new BatchNorm(momentum: 0.9, epsilon: 1e-3) { Name = "bn" };
        layer.Build(shape[1..]);
        int c = shape[^1];
        RandomAffine(layer, rng);
        var x = GradientCheck.Random(rng, shape);

        GradientCheck.Layer(layer, x, (xi, p) =>
        {
            int m = xi.Length / c;
            var mean = new double[c];
            var variance = new double[c];
            for (int i = 0; i < xi.Length; i++)
            {
                mean[i % c] += xi[i] / m;
            }
            for (int i = 0; i < xi.Length; i++)
            {
                variance[i % c] += (xi[i] - mean[i % c]) * (xi[i] - mean[i % c]) / m;
            }
            var y = new double[xi.Length];
            for (int i = 0; i < xi.Length; i++)
            {
                y[i] = p[0][i % c] * (xi[i] - mean[i % c]) / Math.Sqrt(variance[i % c] + 1e-3) + p[1][i % c];
            }
            return y;
        });
    }

    [Theory]
    [InlineData(new[] { 4, 3 })]
    [InlineData(new[] { 2, 3, 2, 5 })]
    public void BatchNorm_in_evaluation_uses_the_running_statistics(int[] shape)
    {
        var rng = new Random(8);
        var layer = new BatchNorm(epsilon: 1e-3) { Name = "bn" };
        layer.Build(shape[1..]);
        int c = shape[^1];
        RandomAffine(layer, rng);
        var runningMean = GradientCheck.ToDouble(GradientCheck.Random(rng, c).Span);
        var runningVar = runningMean.Select(v => 0.5 + Math.Abs(v)).ToArray();
        for (int i = 0; i < c; i++)
        {
            layer.RunningMean.Value[i] = (float)runningMean[i];
            layer.RunningVariance.Value[i] = (float)runningVar[i];
        }
        var x = GradientCheck.Random(rng, shape);

        GradientCheck.Layer(layer, x, (xi, p) => xi.Select((v, i) =>
            p[0][i % c] * (v - runningMean[i % c]) / Math.Sqrt(runningVar[i % c] + 1e-3) + p[1][i % c]).ToArray(), training: false);
        Assert.Equal(runningMean.Select(v => (float)v), layer.RunningMean.Value.Span.ToArray());
    }

    [Fact]
    public void BatchNorm_training_moves_the_running_statistics_by_momentum()
    {
        var layer = new BatchNorm(momentum: 0.9) { Name = "bn" };
        layer.Build([2]);
        // Channel 0: 1, 3 (mean 2, variance 1); channel 1: 0, 4 (mean 2, variance 4).
        var x = new Tensor([1, 0, 3, 4], 2, 2);

        layer.Forward(x, training: true);

        Assert.Equal(0.2f, layer.RunningMean.Value[0], 6);
        Assert.Equal(0.2f, layer.RunningMean.Value[1], 6);
        Assert.Equal(0.9f + 0.1f * 1f, layer.RunningVariance.Value[0], 6);
        Assert.Equal(0.9f + 0.1f * 4f, layer.RunningVariance.Value[1], 6);
    }

    [Fact]
    public void BatchNorm_running_statistics_are_state_and_gamma_beta_are_trainable_without_penalty()
    {
        var layer = new BatchNorm { Name = "bn" };
        layer.Build([4, 4, 3]);

        var byName = layer.Parameters.ToDictionary(p => p.Name);

        Assert.Equal(["bn.beta", "bn.gamma", "bn.running_mean", "bn.running_var"], byName.Keys.Order());
        Assert.True(byName["bn.running_mean"].IsState && byName["bn.running_var"].IsState);
        Assert.False(byName["bn.gamma"].IsState || byName["bn.beta"].IsState);
        Assert.False(byName["bn.gamma"].Regularize || byName["bn.beta"].Regularize);
        Assert.Equal(3, byName["bn.running_var"].Value.Length);
    }

    private static void RandomAffine(BatchNorm layer, Random rng)
    {
        for (int i = 0; i < layer.Gamma.Value.Length; i++)
        {
            layer.Gamma.Value[i] = (float)(0.5 + rng.NextDouble());
            layer.Beta.Value[i] = (float)(rng.NextDouble() - 0.5);
        }
    }
}
