using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistNN.Nn.Layers;

/// <summary>
/// Reductions and broadcasts over the last axis of a batch viewed as rows × channels
/// (dense features, or the channels of every pixel of NHWC images).
/// Sums are taken in float over blocks of rows and added up in double, so long batches keep their precision.
/// </summary>
internal static class PerChannel
{
    private const int BlockRows = 256;

    /// <summary>m[r, :] += v for every row r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddToRows(Span<float> m, ReadOnlySpan<float> v)
    {
        int n = v.Length;
        int vectorEnd = Vector.IsHardwareAccelerated ? n - n % Vector<float>.Count : 0;
        for (int r = 0; r + n <= m.Length; r += n)
        {
            var row = m.Slice(r, n);
            int c = 0;
            for (; c < vectorEnd; c += Vector<float>.Count)
            {
                (new Vector<float>(row.Slice(c)) + new Vector<float>(v.Slice(c))).CopyTo(row.Slice(c));
            }
            for (; c < n; c++)
            {
                row[c] += v[c];
            }
        }
    }

    /// <summary>sums[c] = Σ_r m[r, c].</summary>
    public static void SumRows(ReadOnlySpan<float> m, Span<float> sums) => SumProductRows(m, default, sums);

    /// <summary>sums[c] = Σ_r a[r, c] · b[r, c] (or Σ_r a[r, c] when b is empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumProductRows(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sums)
    {
        int n = sums.Length;
        bool product = !b.IsEmpty;
        Span<double> total = n <= 512 ? stackalloc double[n] : new double[n];
        Span<float> block = n <= 512 ? stackalloc float[n] : new float[n];
        total.Clear();
        int vectorEnd = Vector.IsHardwareAccelerated ? n - n % Vector<float>.Count : 0;
        int rows = n == 0 ? 0 : a.Length / n;
        for (int r0 = 0; r0 < rows; r0 += BlockRows)
        {
            block.Clear();
            int r1 = Math.Min(rows, r0 + BlockRows);
            for (int r = r0; r < r1; r++)
            {
                var row = a.Slice(r * n, n);
                var other = product ? b.Slice(r * n, n) : row;
                int c = 0;
                for (; c < vectorEnd; c += Vector<float>.Count)
                {
                    var x = new Vector<float>(row.Slice(c));
                    var term = product ? x * new Vector<float>(other.Slice(c)) : x;
                    (new Vector<float>(block.Slice(c)) + term).CopyTo(block.Slice(c));
                }
                for (; c < n; c++)
                {
                    block[c] += product ? row[c] * other[c] : row[c];
                }
            }
            for (int c = 0; c < n; c++)
            {
                total[c] += block[c];
            }
        }
        for (int c = 0; c < n; c++)
        {
            sums[c] = (float)total[c];
        }
    }
}
