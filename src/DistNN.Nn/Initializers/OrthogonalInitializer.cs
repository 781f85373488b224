namespace DistNN.Nn.Initializers;

/// <summary>
/// Saxe et al. 2014: W (fan_in × fan_out, row-major) with orthonormal columns (fan_in ≥ fan_out, WᵀW = I) or
/// orthonormal rows (WWᵀ = I), times <see cref="Gain"/>. Made by modified Gram–Schmidt of a standard normal
/// matrix, which is QR with a positive diagonal in R, so Q is Haar-distributed. Meant for recurrent weights:
/// <see cref="FillGateBlocks"/> gives each gate of a recurrent layer its own orthogonal hidden × hidden block.
/// </summary>
public sealed class OrthogonalInitializer(double gain = 1.0) : Initializer
{
    public double Gain { get; } = gain;

    public override string Name => "orthogonal";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng)
    {
        if ((long)fanIn * fanOut != weights.Length)
        {
            throw new ArgumentException($"orthogonal init needs a {fanIn}×{fanOut} matrix, got {weights.Length} values");
        }
        int n = Math.Max(fanIn, fanOut);
        int k = Math.Min(fanIn, fanOut);
        // q holds k column vectors of length n, column after column.
        var q = new double[(long)n * k];
        for (int j = 0; j < k; j++)
        {
            var column = q.AsSpan(j * n, n);
            double norm;
            do
            {
                Gaussian.Fill(column, rng);
                for (int p = 0; p < j; p++)
                {
                    var previous = q.AsSpan(p * n, n);
                    double dot = Dot(previous, column);
                    for (int i = 0; i < n; i++)
                    {
                        column[i] -= dot * previous[i];
                    }
                }
                norm = Math.Sqrt(Dot(column, column));
            }
            while (norm < 1e-6); // a draw in the span of the previous columns: redraw (probability ~0)
            for (int i = 0; i < n; i++)
            {
                column[i] /= norm;
            }
        }
        for (int r = 0; r < fanIn; r++)
        {
            for (int c = 0; c < fanOut; c++)
            {
                // fan_in ≥ fan_out: W[r, c] = Q[r, c]; otherwise W = Qᵀ, W[r, c] = Q[c, r].
                double v = fanIn >= fanOut ? q[c * n + r] : q[r * n + c];
                weights[r * fanOut + c] = (float)(Gain * v);
            }
        }
    }

    /// <summary>
    /// Fills u (hidden × gates·hidden, row-major, the gates side by side) with one independent orthogonal
    /// hidden × hidden block per gate, times <see cref="Gain"/>, so repeated multiplication by a gate's block
    /// neither grows nor shrinks the state at the start of training.
    /// </summary>
    public void FillGateBlocks(Span<float> u, int hidden, int gates, Random rng)
    {
        int width = gates * hidden;
        if ((long)hidden * width != u.Length)
        {
            throw new ArgumentException($"orthogonal gate blocks need a {hidden}×{width} matrix, got {u.Length} values");
        }
        var block = new float[hidden * hidden];
        for (int g = 0; g < gates; g++)
        {
            Fill(block, hidden, hidden, rng);
            for (int i = 0; i < hidden; i++)
            {
                block.AsSpan(i * hidden, hidden).CopyTo(u.Slice(i * width + g * hidden, hidden));
            }
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }
}
