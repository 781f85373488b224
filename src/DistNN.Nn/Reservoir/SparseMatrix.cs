namespace DistNN.Nn.Reservoir;

/// <summary>A square matrix in compressed sparse row form (double precision): the reservoir's recurrent weights.</summary>
public sealed class SparseMatrix
{
    private readonly int[] _rowStart;
    private readonly int[] _columns;
    private readonly double[] _values;

    public SparseMatrix(int size, int[] rowStart, int[] columns, double[] values)
    {
        if (rowStart.Length != size + 1 || columns.Length != values.Length || rowStart[size] != values.Length)
        {
            throw new ArgumentException("inconsistent compressed sparse row arrays");
        }
        Size = size;
        _rowStart = rowStart;
        _columns = columns;
        _values = values;
    }

    public int Size { get; }

    public int NonZeros => _values.Length;

    /// <summary>
    /// Each row gets round(connectivity · size) (at least one) distinct random columns with weights uniform in [−1, 1]:
    /// every unit has the same in-degree, and none is left without input.
    /// </summary>
    public static SparseMatrix Random(int size, double connectivity, Random rng)
    {
        if (size <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "a reservoir needs at least one unit");
        }
        if (!(connectivity > 0 && connectivity <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(connectivity), connectivity, "connectivity is the fraction of nonzero weights, in (0, 1]");
        }
        int degree = Math.Max(1, (int)Math.Round(connectivity * size));
        var rowStart = new int[size + 1];
        var columns = new int[size * degree];
        var values = new double[size * degree];
        var pool = Enumerable.Range(0, size).ToArray();
        for (int i = 0; i < size; i++)
        {
            rowStart[i] = i * degree;
            // Partial Fisher–Yates: the first `degree` entries of the pool become a random subset.
            for (int k = 0; k < degree; k++)
            {
                int j = k + rng.Next(size - k);
                (pool[k], pool[j]) = (pool[j], pool[k]);
            }
            Array.Copy(pool, 0, columns, i * degree, degree);
            Array.Sort(columns, i * degree, degree);
            for (int k = 0; k < degree; k++)
            {
                values[i * degree + k] = rng.NextDouble() * 2 - 1;
            }
        }
        rowStart[size] = size * degree;
        return new SparseMatrix(size, rowStart, columns, values);
    }

    /// <summary>The nonzeros of a dense row-major matrix.</summary>
    public static SparseMatrix FromDense(double[] dense, int size)
    {
        if (dense.Length != size * size)
        {
            throw new ArgumentException($"{dense.Length} values do not make a {size}×{size} matrix");
        }
        var rowStart = new int[size + 1];
        var columns = new List<int>();
        var values = new List<double>();
        for (int i = 0; i < size; i++)
        {
            rowStart[i] = values.Count;
            for (int j = 0; j < size; j++)
            {
                if (dense[i * size + j] != 0)
                {
                    columns.Add(j);
                    values.Add(dense[i * size + j]);
                }
            }
        }
        rowStart[size] = values.Count;
        return new SparseMatrix(size, rowStart, [.. columns], [.. values]);
    }

    public double[] ToDense()
    {
        var dense = new double[Size * Size];
        for (int i = 0; i < Size; i++)
        {
            for (int k = _rowStart[i]; k < _rowStart[i + 1]; k++)
            {
                dense[i * Size + _columns[k]] = _values[k];
            }
        }
        return dense;
    }

    /// <summary>y = A·x.</summary>
    public void Multiply(ReadOnlySpan<double> x, Span<double> y)
    {
        var columns = _columns;
        var values = _values;
        for (int i = 0; i < Size; i++)
        {
            double sum = 0;
            for (int k = _rowStart[i]; k < _rowStart[i + 1]; k++)
            {
                sum += values[k] * x[columns[k]];
            }
            y[i] = sum;
        }
    }

    public void Scale(double factor)
    {
        for (int k = 0; k < _values.Length; k++)
        {
            _values[k] *= factor;
        }
    }
}
