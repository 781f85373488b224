using DistNN.Nn;
using DistNN.Nn.Layers;
using DistNN.Nn.Losses;
using Xunit.Sdk;

namespace DistNN.Nn.Tests;

/// <summary>
/// Checks a float32 layer against an independent double-precision oracle of its forward pass:
/// the forward outputs must agree, and the layer's analytic gradients (of f = Σ g ⊙ y for a random g)
/// must agree with central finite differences of the oracle, taken in double precision.
/// </summary>
public static class GradientCheck
{
    /// <summary>Oracle: (input, parameter values in layer.Parameters order) → output, all in double.</summary>
    public delegate double[] Oracle(double[] input, double[][] parameters);

    public static void Layer(Layer layer, Tensor input, Oracle oracle, int seed = 7, double forwardTolerance = 1e-4, double gradientTolerance = 2e-3, bool training = true)
    {
        var rng = new Random(seed);
        var x = ToDouble(input.Span);
        var ps = layer.Parameters.Where(p => !p.IsState).ToArray();
        var pv = ps.Select(p => ToDouble(p.Value.Span)).ToArray();

        var y = layer.Forward(input, training);
        var expected = oracle(x, pv);
        AssertClose(expected, ToDouble(y.Span), forwardTolerance, $"{layer.Name} forward");

        var g = new Tensor(y.Shape.ToArray());
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        var gd = ToDouble(g.Span);
        var dx = layer.Backward(g);

        double F(double[] xi, double[][] pi)
        {
            var o = oracle(xi, pi);
            double s = 0;
            for (int i = 0; i < o.Length; i++)
            {
                s += gd[i] * o[i];
            }
            return s;
        }

        if (dx is not null)
        {
            var numeric = Numeric(x, v => F(v, pv));
            AssertClose(numeric, ToDouble(dx.Span), gradientTolerance, $"{layer.Name} input gradient");
        }
        for (int k = 0; k < ps.Length; k++)
        {
            int kk = k;
            var numeric = Numeric(pv[k], v =>
            {
                var copy = (double[][])pv.Clone();
                copy[kk] = v;
                return F(x, copy);
            });
            AssertClose(numeric, ToDouble(ps[k].Grad!.Span), gradientTolerance, $"{ps[k].Name} gradient");
        }
    }

    /// <summary>Loss check: value against the oracle, gradient against finite differences of the oracle.</summary>
    public static void Loss(Loss loss, Tensor predictions, Tensor targets, Func<double[], double[], double> oracle, double tolerance = 2e-3)
    {
        var grad = new Tensor(predictions.Shape.ToArray());
        float value = loss.Compute(predictions, targets, grad);
        var p = ToDouble(predictions.Span);
        var t = ToDouble(targets.Span);
        double expected = oracle(p, t);
        AssertClose([expected], [value], 1e-4, $"{loss.Name} value");
        var numeric = Numeric(p, v => oracle(v, t));
        AssertClose(numeric, ToDouble(grad.Span), tolerance, $"{loss.Name} gradient");
    }

    public static double[] Numeric(double[] at, Func<double[], double> f, double h = 1e-6)
    {
        var result = new double[at.Length];
        var v = (double[])at.Clone();
        for (int i = 0; i < at.Length; i++)
        {
            double keep = v[i];
            v[i] = keep + h;
            double up = f(v);
            v[i] = keep - h;
            double down = f(v);
            v[i] = keep;
            result[i] = (up - down) / (2 * h);
        }
        return result;
    }

    /// <summary>|a − b| ≤ tol · max(1, |a|, |b|) elementwise, with the worst element in the message.</summary>
    public static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        if (expected.Length != actual.Length)
        {
            throw new XunitException($"{what}: expected {expected.Length} values, got {actual.Length}");
        }
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(1.0, Math.Max(Math.Abs(expected[i]), Math.Abs(actual[i])));
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance * scale))
            {
                throw new XunitException($"{what}: element {i} expected {expected[i]:G9}, got {actual[i]:G9} (tolerance {tolerance})");
            }
        }
    }

    public static double[] ToDouble(ReadOnlySpan<float> s)
    {
        var d = new double[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            d[i] = s[i];
        }
        return d;
    }

    public static Tensor Random(Random rng, params int[] shape)
    {
        var t = new Tensor(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        return t;
    }
}
