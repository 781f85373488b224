using System.Numerics.Tensors;

namespace DistNN.Nn.Reservoir;

/// <summary>
/// Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite matrix in double precision (row-major, lower
/// triangle), and the two triangular solves. A pivot that is not clearly positive means A is singular or indefinite:
/// that is an error, never a silent NaN.
/// </summary>
public sealed class Cholesky
{
    private const double MachineEpsilon = 2.220446049250313e-16;

    private readonly double[] _l;

    private Cholesky(double[] l, int n)
    {
        _l = l;
        Size = n;
    }

    public int Size { get; }

    /// <summary>Factors the symmetric matrix <paramref name="a"/> (n×n, only the lower triangle is read).</summary>
    public static Cholesky Factor(ReadOnlySpan<double> a, int n)
    {
        if (a.Length != n * n)
        {
            throw new ArgumentException($"{a.Length} values do not make a {n}×{n} matrix");
        }
        double maxDiagonal = 0;
        for (int i = 0; i < n; i++)
        {
            maxDiagonal = Math.Max(maxDiagonal, Math.Abs(a[i * n + i]));
        }
        // Pivots at rounding level of the largest diagonal mean the matrix is numerically singular.
        double tiny = 16 * MachineEpsilon * maxDiagonal;
        var l = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            var rowJ = l.AsSpan(j * n, j);
            double d = a[j * n + j] - TensorPrimitives.Dot<double>(rowJ, rowJ);
            if (!(d > tiny))
            {
                throw new NotPositiveDefiniteException(
                    $"the {n}×{n} system is singular or not positive definite (pivot {d:G3} at row {j}); add ridge regularisation (λ > 0) or remove constant/duplicate features");
            }
            double ljj = Math.Sqrt(d);
            l[j * n + j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                l[i * n + j] = (a[i * n + j] - TensorPrimitives.Dot<double>(l.AsSpan(i * n, j), rowJ)) / ljj;
            }
        }
        return new Cholesky(l, n);
    }

    /// <summary>Solves A·X = B in place for B (n × columns, row-major).</summary>
    public void Solve(Span<double> b, int columns)
    {
        int n = Size;
        if (b.Length != n * columns)
        {
            throw new ArgumentException($"right-hand side has {b.Length} values, expected {n}×{columns}");
        }
        // L·Y = B, forward.
        for (int i = 0; i < n; i++)
        {
            var row = b.Slice(i * columns, columns);
            for (int k = 0; k < i; k++)
            {
                double lik = _l[i * n + k];
                if (lik != 0)
                {
                    TensorPrimitives.MultiplyAdd<double>(b.Slice(k * columns, columns), -lik, row, row);
                }
            }
            TensorPrimitives.Divide<double>(row, _l[i * n + i], row);
        }
        // Lᵀ·X = Y, backward.
        for (int i = n - 1; i >= 0; i--)
        {
            var row = b.Slice(i * columns, columns);
            for (int k = i + 1; k < n; k++)
            {
                double lki = _l[k * n + i];
                if (lki != 0)
                {
                    TensorPrimitives.MultiplyAdd<double>(b.Slice(k * columns, columns), -lki, row, row);
                }
            }
            TensorPrimitives.Divide<double>(row, _l[i * n + i], row);
        }
    }
}

/// <summary>A linear system that Cholesky cannot solve: the matrix is singular or not positive definite.</summary>
public sealed class NotPositiveDefiniteException(string message) : ArithmeticException(message);
