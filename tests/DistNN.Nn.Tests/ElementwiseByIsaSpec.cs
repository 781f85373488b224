using DistNN.Nn.Activations;
using DistNN.Nn.Layers;
using DistNN.Nn.Optimizers;
using DistNN.Tensors;

namespace DistNN.Nn.Tests;

/// <summary>
/// The fused elementwise passes under each instruction set's kernels, against double-precision references of their
/// formulas: activation gradients, the per-channel bias passes and every optimizer rule. Lengths are odd so each
/// width's vector loop and its lane-by-lane tail both run.
/// </summary>
public class ElementwiseByIsaSpec
{
    private const int Length = 67;

    public static TheoryData<Isa> Isas => IsaCases.Each;

    [SkippableTheory]
    [MemberData(nameof(Isas))]
    public void Activation_gradients_match_their_formulas_under_each_instruction_set_even_in_place(Isa isa)
    {
        using var scope = IsaCases.Enter(isa);
        var rng = new Random(1);
        var z = Values(rng, Length, 3);
        z[5] = 0f;
        var da = Values(rng, Length, 1);
        foreach (var (activation, derivative) in new (Activation, Func<double, double>)[]
        {
            (new Relu(), zi => zi > 0 ? 1 : 0),
            (new Tanh(), zi => 1 - Math.Tanh(zi) * Math.Tanh(zi)),
            (new Sigmoid(), zi => Logistic(zi) * (1 - Logistic(zi))),
        })
        {
            var a = new float[Length];
            activation.Forward(z, a);
            var dz = (float[])da.Clone();

            activation.Backward(z, a, dz, dz);

            var expected = Enumerable.Range(0, Length).Select(i => da[i] * derivative(z[i])).ToArray();
            GradientCheck.AssertClose(expected, GradientCheck.ToDouble(dz), 1e-5, $"{activation.Name} backward");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Isas))]
    public void Per_channel_bias_passes_match_their_formulas_under_each_instruction_set(Isa isa)
    {
        using var scope = IsaCases.Enter(isa);
        var rng = new Random(2);
        int rows = 300, channels = 19;
        var m = Values(rng, rows * channels, 1);
        var bias = Values(rng, channels, 1);
        var da = Values(rng, rows * channels, 1);

        var withBias = (float[])m.Clone();
        PerChannel.AddToRows(withBias, bias, relu: true);
        var dz = new float[da.Length];
        var db = new float[channels];
        PerChannel.ReluBackwardSumRows(da, withBias, dz, db);
        var products = new float[channels];
        PerChannel.SumProductRows(m, da, products);

        var a = Enumerable.Range(0, m.Length).Select(i => Math.Max(0, (double)m[i] + bias[i % channels])).ToArray();
        var expectedDz = Enumerable.Range(0, m.Length).Select(i => a[i] > 0 ? da[i] : 0.0).ToArray();
        var expectedDb = Enumerable.Range(0, channels).Select(c => Enumerable.Range(0, rows).Sum(r => expectedDz[r * channels + c])).ToArray();
        var expectedProducts = Enumerable.Range(0, channels).Select(c => Enumerable.Range(0, rows).Sum(r => (double)m[r * channels + c] * da[r * channels + c])).ToArray();
        GradientCheck.AssertClose(a, GradientCheck.ToDouble(withBias), 1e-6, "bias + relu");
        GradientCheck.AssertClose(expectedDz, GradientCheck.ToDouble(dz), 0, "relu backward");
        GradientCheck.AssertClose(expectedDb, GradientCheck.ToDouble(db), 1e-5, "bias gradient");
        GradientCheck.AssertClose(expectedProducts, GradientCheck.ToDouble(products), 1e-5, "sums of products");
    }

    public static IEnumerable<object[]> Rules => IsaCases.Cross(
    [
        ["sgd"], ["momentum"], ["nesterov"], ["adam"], ["rmsprop"], ["adagrad"],
    ]);

    [SkippableTheory]
    [MemberData(nameof(Rules))]
    public void Optimizer_steps_with_penalties_match_their_formulas_under_each_instruction_set(Isa isa, string rule)
    {
        using var scope = IsaCases.Enter(isa);
        const float lr = 0.05f, l1 = 0.01f, l2 = 0.02f, mu = 0.9f, b1 = 0.9f, b2 = 0.999f, rho = 0.99f;
        Optimizer optimizer = rule switch
        {
            "sgd" => new Sgd(),
            "momentum" => new Sgd(momentum: mu),
            "nesterov" => new Sgd(momentum: mu, nesterov: true),
            "adam" => new Adam(b1, b2),
            "rmsprop" => new RmsProp(rho),
            _ => new AdaGrad(),
        };
        optimizer.LearningRate = lr;
        optimizer.L1 = l1;
        optimizer.L2 = l2;
        var rng = new Random(3);
        var w = Values(rng, Length, 1);
        w[7] = 0f;
        var state = new float[optimizer.StateSlots * Length];
        var wd = GradientCheck.ToDouble(w);
        var s0 = new double[Length];
        var s1 = new double[Length];
        for (int step = 1; step <= 3; step++)
        {
            var g = Values(rng, Length, 1);

            optimizer.Update(w, g, state, step, regularize: true);

            for (int i = 0; i < Length; i++)
            {
                double gi = g[i] + l2 * wd[i] + l1 * Math.Sign(wd[i]);
                switch (rule)
                {
                    case "sgd":
                        wd[i] -= lr * gi;
                        break;
                    case "momentum":
                    case "nesterov":
                        s0[i] = mu * s0[i] + gi;
                        wd[i] -= lr * (rule == "nesterov" ? gi + mu * s0[i] : s0[i]);
                        break;
                    case "adam":
                        s0[i] = b1 * s0[i] + (1 - b1) * gi;
                        s1[i] = b2 * s1[i] + (1 - b2) * gi * gi;
                        wd[i] -= lr * (s0[i] / (1 - Math.Pow(b1, step))) / (Math.Sqrt(s1[i] / (1 - Math.Pow(b2, step))) + 1e-8);
                        break;
                    case "rmsprop":
                        s0[i] = rho * s0[i] + (1 - rho) * gi * gi;
                        wd[i] -= lr * gi / (Math.Sqrt(s0[i]) + 1e-8);
                        break;
                    default:
                        s0[i] += gi * gi;
                        wd[i] -= lr * gi / (Math.Sqrt(s0[i]) + 1e-10);
                        break;
                }
            }
            GradientCheck.AssertClose(wd, GradientCheck.ToDouble(w), 2e-5, $"{rule} step {step}");
        }
    }

    private static double Logistic(double z) => 1 / (1 + Math.Exp(-z));

    private static float[] Values(Random rng, int n, double range) =>
        Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * range)).ToArray();
}
