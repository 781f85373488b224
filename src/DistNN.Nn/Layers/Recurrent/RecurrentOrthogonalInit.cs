namespace DistNN.Nn.Layers.Recurrent;

/// <summary>
/// Orthogonal recurrent weights (Saxe et al. 2014): each hidden × hidden gate block of U is an orthogonal matrix,
/// so repeated multiplication by U neither grows nor shrinks the state at the start of training.
/// Local to the recurrent layers until the shared orthogonal initializer lands.
/// </summary>
internal static class RecurrentOrthogonalInit
{
    /// <summary>Fills u (hidden × gates·hidden, row-major) with one orthogonal block per gate.</summary>
    public static void FillGateBlocks(Span<float> u, int hidden, int gates, Random rng)
    {
        int width = gates * hidden;
        var q = new double[hidden * hidden];
        for (int g = 0; g < gates; g++)
        {
            Orthogonal(q, hidden, rng);
            for (int i = 0; i < hidden; i++)
            {
                for (int j = 0; j < hidden; j++)
                {
                    u[i * width + g * hidden + j] = (float)q[i * hidden + j];
                }
            }
        }
    }

    /// <summary>The Q of a Gaussian matrix by modified Gram–Schmidt on its rows (R's diagonal positive, so Q is Haar-distributed).</summary>
    public static void Orthogonal(double[] q, int n, Random rng)
    {
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = Gaussian(rng);
        }
        for (int i = 0; i < n; i++)
        {
            var row = q.AsSpan(i * n, n);
            for (int k = 0; k < i; k++)
            {
                var prev = q.AsSpan(k * n, n);
                double dot = 0;
                for (int j = 0; j < n; j++)
                {
                    dot += row[j] * prev[j];
                }
                for (int j = 0; j < n; j++)
                {
                    row[j] -= dot * prev[j];
                }
            }
            double norm = 0;
            for (int j = 0; j < n; j++)
            {
                norm += row[j] * row[j];
            }
            norm = Math.Sqrt(norm);
            for (int j = 0; j < n; j++)
            {
                row[j] /= norm;
            }
        }
    }

    private static double Gaussian(Random rng)
    {
        // Box–Muller.
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
