namespace DistNN.Nn.Reservoir;

/// <summary>
/// The spectral radius ρ(A) = max |λ| of a reservoir, measured rather than assumed. Plain power iteration's ratio
/// ‖Ax‖/‖x‖ oscillates for a non-symmetric matrix whose dominant eigenvalues are a complex pair, so this uses the
/// growth rate instead (Gelfand): ρ ≈ (‖A^{k+m} x‖ / ‖A^k x‖)^{1/m}, accumulated in logarithms with the vector
/// renormalised every step. After a burn-in of k steps the bounded oscillation contributes O(1/m) to log ρ.
/// </summary>
public static class SpectralRadius
{
    /// <summary>Estimates ρ(A). Returns 0 when the iterate vanishes (a nilpotent or empty matrix).</summary>
    public static double Estimate(SparseMatrix a, int burnIn = 500, int window = 3000, int seed = 12345)
    {
        int n = a.Size;
        var rng = new Random(seed);
        var x = new double[n];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = rng.NextDouble() * 2 - 1;
        }
        Normalize(x);
        double logGrowth = 0;
        for (int step = 0; step < burnIn + window; step++)
        {
            a.Multiply(x, y);
            double norm = Norm(y);
            if (norm == 0 || !double.IsFinite(norm))
            {
                return norm == 0 ? 0 : double.NaN;
            }
            if (step >= burnIn)
            {
                logGrowth += Math.Log(norm);
            }
            for (int i = 0; i < n; i++)
            {
                x[i] = y[i] / norm;
            }
        }
        return Math.Exp(logGrowth / window);
    }

    private static double Norm(ReadOnlySpan<double> v)
    {
        double s = 0;
        foreach (double d in v)
        {
            s += d * d;
        }
        return Math.Sqrt(s);
    }

    private static void Normalize(Span<double> v)
    {
        double norm = Norm(v);
        for (int i = 0; i < v.Length; i++)
        {
            v[i] /= norm;
        }
    }
}
