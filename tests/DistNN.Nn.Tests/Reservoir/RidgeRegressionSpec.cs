using DistNN.Nn.Reservoir;

namespace DistNN.Nn.Tests.Reservoir;

public class RidgeRegressionSpec
{
    /// <summary>(XᵀX + λI)·W = XᵀY formed naively and solved by Gaussian elimination with partial pivoting.</summary>
    private static double[] DirectSolve(double[] x, double[] y, int n, int p, int q, double lambda)
    {
        var m = new double[p, p + q];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                for (int r = 0; r < n; r++)
                {
                    m[i, j] += x[r * p + i] * x[r * p + j];
                }
            }
            m[i, i] += lambda;
            for (int o = 0; o < q; o++)
            {
                for (int r = 0; r < n; r++)
                {
                    m[i, p + o] += x[r * p + i] * y[r * q + o];
                }
            }
        }
        for (int c = 0; c < p; c++)
        {
            int pivot = Enumerable.Range(c, p - c).MaxBy(r => Math.Abs(m[r, c]));
            for (int j = 0; j < p + q; j++)
            {
                (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
            }
            for (int r = 0; r < p; r++)
            {
                if (r != c)
                {
                    double f = m[r, c] / m[c, c];
                    for (int j = 0; j < p + q; j++)
                    {
                        m[r, j] -= f * m[c, j];
                    }
                }
            }
        }
        var w = new double[p * q];
        for (int i = 0; i < p; i++)
        {
            for (int o = 0; o < q; o++)
            {
                w[i * q + o] = m[i, p + o] / m[i, i];
            }
        }
        return w;
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.0)]
    public void Ridge_readout_equals_a_direct_solve_of_the_normal_equations(double lambda)
    {
        var rng = new Random(2);
        const int n = 30, p = 5, q = 2;
        var x = Enumerable.Range(0, n * p).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, n * q).Select(_ => rng.NextDouble() * 2 - 1).ToArray();

        var w = RidgeRegression.Fit(x, y, n, p, q, lambda);

        var expected = DirectSolve(x, y, n, p, q, lambda);
        for (int i = 0; i < w.Length; i++)
        {
            Assert.Equal(expected[i], w[i], 10);
        }
    }

    [Fact]
    public void A_singular_system_without_ridge_is_a_clear_error()
    {
        // The third feature repeats the first: XᵀX is singular.
        var rng = new Random(3);
        const int n = 10, p = 3;
        var x = new double[n * p];
        for (int r = 0; r < n; r++)
        {
            x[r * p] = rng.NextDouble();
            x[r * p + 1] = rng.NextDouble();
            x[r * p + 2] = x[r * p];
        }

        var e = Assert.Throws<NotPositiveDefiniteException>(() => RidgeRegression.Fit(x, new double[n], n, p, 1, lambda: 0));

        Assert.Contains("singular", e.Message);
    }

    [Fact]
    public void Cholesky_rejects_an_indefinite_matrix()
    {
        Assert.Throws<NotPositiveDefiniteException>(() => Cholesky.Factor([1, 2, 2, 1], 2));
    }

    [Fact]
    public void Cholesky_solves_a_known_system()
    {
        // [[4, 2], [2, 3]]·[1, −1]ᵀ = [2, −1]ᵀ
        var b = new double[] { 2, -1 };

        Cholesky.Factor([4, 2, 2, 3], 2).Solve(b, 1);

        Assert.Equal(1, b[0], 12);
        Assert.Equal(-1, b[1], 12);
    }
}
