using System.Numerics;
using System.Numerics.Tensors;

namespace DistNN.Nn.Reservoir;

/// <summary>
/// Linear least squares with a Tikhonov penalty in closed form: W = argmin ‖X·W − Y‖² + λ‖W‖², i.e. the solution of
/// (XᵀX + λI)·W = XᵀY, solved by Cholesky in double precision. X is n×p (one row per sample), Y is n×q, W is p×q.
/// </summary>
public static class RidgeRegression
{
    public static double[] Fit(ReadOnlySpan<double> x, ReadOnlySpan<double> y, int samples, int features, int outputs, double lambda)
    {
        if (x.Length != samples * features || y.Length != samples * outputs)
        {
            throw new ArgumentException($"ridge regression: X needs {samples}×{features} and Y {samples}×{outputs} values");
        }
        if (!(lambda >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "the ridge penalty λ must be ≥ 0");
        }
        var gram = Gram(x, samples, features);
        for (int i = 0; i < features; i++)
        {
            gram[i * features + i] += lambda;
        }
        var rhs = new double[features * outputs];
        for (int r = 0; r < samples; r++)
        {
            var row = x.Slice(r * features, features);
            for (int o = 0; o < outputs; o++)
            {
                double yo = y[r * outputs + o];
                for (int i = 0; i < features; i++)
                {
                    rhs[i * outputs + o] += row[i] * yo;
                }
            }
        }
        foreach (double v in rhs)
        {
            if (!double.IsFinite(v))
            {
                throw new ArithmeticException("ridge regression: the data contain NaN or infinite values");
            }
        }
        Cholesky.Factor(gram, features).Solve(rhs, outputs);
        return rhs;
    }

    /// <summary>
    /// XᵀX (p×p, both triangles) by blocks of rows: each row of G stays in cache while a block of samples is added to
    /// it, so G streams through memory once per block instead of once per sample.
    /// </summary>
    public static double[] Gram(ReadOnlySpan<double> x, int samples, int features)
    {
        const int block = 64;
        int p = features;
        var g = new double[p * p];
        for (int r0 = 0; r0 < samples; r0 += block)
        {
            int r1 = Math.Min(samples, r0 + block);
            for (int a = 0; a < p; a++)
            {
                var gRow = g.AsSpan(a * p + a, p - a);
                for (int r = r0; r < r1; r++)
                {
                    double xa = x[r * p + a];
                    if (xa != 0)
                    {
                        Axpy(xa, x.Slice(r * p + a, p - a), gRow);
                    }
                }
            }
        }
        for (int a = 0; a < p; a++)
        {
            for (int b = a + 1; b < p; b++)
            {
                g[b * p + a] = g[a * p + b];
            }
        }
        return g;
    }

    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        int i = 0;
        var va = new Vector<double>(alpha);
        for (; i <= x.Length - Vector<double>.Count; i += Vector<double>.Count)
        {
            (new Vector<double>(y[i..]) + va * new Vector<double>(x[i..])).CopyTo(y[i..]);
        }
        for (; i < x.Length; i++)
        {
            y[i] += alpha * x[i];
        }
    }
}
