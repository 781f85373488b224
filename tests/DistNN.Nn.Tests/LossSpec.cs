using DistNN.Nn.Losses;

namespace DistNN.Nn.Tests;

public class LossSpec
{
    private const int Batch = 4, Outputs = 5;

    private static Tensor Make(Func<int, float> value)
    {
        var t = new Tensor(Batch, Outputs);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = value(i);
        }
        return t;
    }

    private static Tensor OneHot(Random rng)
    {
        var t = new Tensor(Batch, Outputs);
        for (int b = 0; b < Batch; b++)
        {
            t[b * Outputs + rng.Next(Outputs)] = 1f;
        }
        return t;
    }

    [Fact]
    public void Quadratic_cost_is_half_the_squared_error_averaged_over_the_batch()
    {
        var rng = new Random(1);
        var y = Make(_ => (float)rng.NextDouble() * 4 - 2);
        var t = Make(_ => (float)rng.NextDouble());

        GradientCheck.Loss(new MeanSquaredError(), y, t, (p, q) =>
            p.Select((v, i) => 0.5 * (v - q[i]) * (v - q[i])).Sum() / Batch);
    }

    [Fact]
    public void Binary_cross_entropy_matches_its_oracle_on_probabilities()
    {
        var rng = new Random(2);
        var p = Make(_ => 0.05f + 0.9f * (float)rng.NextDouble());
        var t = Make(i => i % 3 == 0 ? 0.3f : rng.Next(2));

        GradientCheck.Loss(new BinaryCrossEntropy(), p, t, (pi, ti) =>
            -pi.Select((v, i) => ti[i] * Math.Log(v) + (1 - ti[i]) * Math.Log(1 - v)).Sum() / Batch);
    }

    [Fact]
    public void Binary_cross_entropy_clamps_certain_wrong_predictions_to_a_finite_loss()
    {
        var p = new Tensor([0f, 1f], 1, 2);
        var t = new Tensor([1f, 0f], 1, 2);
        var g = new Tensor(1, 2);

        float loss = new BinaryCrossEntropy().Compute(p, t, g);

        Assert.True(float.IsFinite(loss) && loss > 10f);
        Assert.True(float.IsFinite(g[0]) && g[0] < 0f);
        Assert.True(float.IsFinite(g[1]) && g[1] > 0f);
    }

    [Fact]
    public void Sigmoid_binary_cross_entropy_matches_its_oracle_on_logits()
    {
        var rng = new Random(3);
        var z = Make(_ => (float)rng.NextDouble() * 8 - 4);
        var t = Make(_ => rng.Next(2));

        GradientCheck.Loss(new SigmoidBinaryCrossEntropy(), z, t, (zi, ti) =>
            -zi.Select((v, i) =>
            {
                double s = 1 / (1 + Math.Exp(-v));
                return ti[i] * Math.Log(s) + (1 - ti[i]) * Math.Log(1 - s);
            }).Sum() / Batch);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Softmax_cross_entropy_matches_its_oracle(bool softTargets)
    {
        var rng = new Random(4);
        var z = Make(_ => (float)rng.NextDouble() * 6 - 3);
        var t = softTargets ? Make(i => i % Outputs == 0 ? 0.6f : 0.1f) : OneHot(rng);

        GradientCheck.Loss(new SoftmaxCrossEntropy(), z, t, (zi, ti) =>
        {
            double total = 0;
            for (int b = 0; b < Batch; b++)
            {
                double sum = 0;
                for (int c = 0; c < Outputs; c++)
                {
                    sum += Math.Exp(zi[b * Outputs + c]);
                }
                for (int c = 0; c < Outputs; c++)
                {
                    total -= ti[b * Outputs + c] * Math.Log(Math.Exp(zi[b * Outputs + c]) / sum);
                }
            }
            return total / Batch;
        });
    }

    [Fact]
    public void Softmax_cross_entropy_is_finite_for_huge_logits()
    {
        var z = new Tensor([1000f, -1000f, 0f], 1, 3);
        var t = new Tensor([0f, 1f, 0f], 1, 3);
        var g = new Tensor(1, 3);

        float loss = new SoftmaxCrossEntropy().Compute(z, t, g);

        Assert.Equal(2000f, loss, 1e-2f);
        Assert.Equal([1f, -1f, 0f], g.Span.ToArray());
    }

    [Theory]
    [InlineData("mse", typeof(MeanSquaredError))]
    [InlineData("quadratic", typeof(MeanSquaredError))]
    [InlineData("binary_cross_entropy", typeof(BinaryCrossEntropy))]
    [InlineData("softmax_cross_entropy", typeof(SoftmaxCrossEntropy))]
    [InlineData("sigmoid_binary_cross_entropy", typeof(SigmoidBinaryCrossEntropy))]
    public void Losses_are_found_by_name(string name, Type type)
    {
        Assert.IsType(type, Models.ModelBuilder.CreateLoss(name));
    }
}
