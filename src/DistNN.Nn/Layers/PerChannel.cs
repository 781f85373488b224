using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;
using DistNN.Tensors;

namespace DistNN.Nn.Layers;

/// <summary>
/// Reductions and broadcasts over the last axis of a batch viewed as rows × channels
/// (dense features, or the channels of every pixel of NHWC images), in registers of <see cref="CpuKernels.Current"/>'s width.
/// Sums are taken in float over blocks of rows and added up in double, so long batches keep their precision.
/// </summary>
internal static unsafe class PerChannel
{
    private const int BlockRows = 256;

    /// <summary>m[r, :] += v for every row r; with <paramref name="relu"/> m[r, :] = max(m[r, :] + v, 0) in the same pass (NaN kept).</summary>
    public static void AddToRows(Span<float> m, ReadOnlySpan<float> v, bool relu = false)
    {
        switch (CpuKernels.Current)
        {
            case Isa.Avx512:
                AddToRows<Simd512>(m, v, relu);
                break;
            case Isa.Avx2:
                AddToRows<Simd256>(m, v, relu);
                break;
            case Isa.Vector128:
                AddToRows<Simd128>(m, v, relu);
                break;
            default:
                AddToRows<SimdScalar>(m, v, relu);
                break;
        }
    }

    /// <summary>sums[c] = Σ_r m[r, c].</summary>
    public static void SumRows(ReadOnlySpan<float> m, Span<float> sums) => Sums(m, default, default, default, sums);

    /// <summary>sums[c] = Σ_r a[r, c] · b[r, c].</summary>
    public static void SumProductRows(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> sums) => Sums(a, b, default, default, sums);

    /// <summary>ReLU's backward and the bias gradient in one pass: dz = da where a &gt; 0, else 0; sums[c] = Σ_r dz[r, c]. dz may alias da.</summary>
    public static void ReluBackwardSumRows(ReadOnlySpan<float> da, ReadOnlySpan<float> a, Span<float> dz, Span<float> sums) =>
        Sums(da, default, a, dz, sums);

    private static void Sums(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> mask, Span<float> masked, Span<float> sums)
    {
        switch (CpuKernels.Current)
        {
            case Isa.Avx512:
                Sums<Simd512>(a, b, mask, masked, sums);
                break;
            case Isa.Avx2:
                Sums<Simd256>(a, b, mask, masked, sums);
                break;
            case Isa.Vector128:
                Sums<Simd128>(a, b, mask, masked, sums);
                break;
            default:
                Sums<SimdScalar>(a, b, mask, masked, sums);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddToRows<TV>(Span<float> m, ReadOnlySpan<float> v, bool relu)
        where TV : unmanaged, ISimd<TV>
    {
        int n = v.Length;
        int vectorEnd = n - n % TV.Count;
        var floor = TV.Broadcast(relu ? 0f : float.NegativeInfinity);
        var scalarFloor = SimdScalar.Broadcast(relu ? 0f : float.NegativeInfinity);
        fixed (float* m0 = m)
        fixed (float* v0 = v)
        {
            for (long r = 0; r + n <= m.Length; r += n)
            {
                float* row = m0 + r;
                int c = 0;
                for (; c < vectorEnd; c += TV.Count)
                {
                    TV.Store(TV.Max(TV.Load(row + c) + TV.Load(v0 + c), floor), row + c);
                }
                for (; c < n; c++)
                {
                    SimdScalar.Store(SimdScalar.Max(SimdScalar.Load(row + c) + SimdScalar.Load(v0 + c), scalarFloor), row + c);
                }
            }
        }
    }

    /// <summary>sums[c] = Σ_r x[r, c] with x = a (masked to where mask &gt; 0 and written to <paramref name="masked"/> when a mask is given), times b when given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sums<TV>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> mask, Span<float> masked, Span<float> sums)
        where TV : unmanaged, ISimd<TV>
    {
        int n = sums.Length;
        bool product = !b.IsEmpty, relu = !mask.IsEmpty;
        Span<double> total = n <= 512 ? stackalloc double[n] : new double[n];
        Span<float> block = n <= 512 ? stackalloc float[n] : new float[n];
        total.Clear();
        int vectorEnd = n - n % TV.Count;
        int rows = n == 0 ? 0 : a.Length / n;
        fixed (float* a0 = a)
        fixed (float* b0 = b)
        fixed (float* k0 = mask)
        fixed (float* d0 = masked)
        fixed (float* s0 = block)
        {
            for (int r0 = 0; r0 < rows; r0 += BlockRows)
            {
                block.Clear();
                int r1 = Math.Min(rows, r0 + BlockRows);
                for (int r = r0; r < r1; r++)
                {
                    long at = (long)r * n;
                    int c = 0;
                    for (; c < vectorEnd; c += TV.Count)
                    {
                        RowLanes<TV>(a0 + at + c, b0 + at + c, k0 + at + c, d0 + at + c, s0 + c, product, relu);
                    }
                    for (; c < n; c++)
                    {
                        RowLanes<SimdScalar>(a0 + at + c, b0 + at + c, k0 + at + c, d0 + at + c, s0 + c, product, relu);
                    }
                }
                for (int c = 0; c < n; c++)
                {
                    total[c] += block[c];
                }
            }
        }
        for (int c = 0; c < n; c++)
        {
            sums[c] = (float)total[c];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowLanes<TV>(float* a, float* b, float* mask, float* masked, float* block, bool product, bool relu)
        where TV : unmanaged, ISimd<TV>
    {
        var x = TV.Load(a);
        if (relu)
        {
            x = TV.Select(TV.GreaterThan(TV.Load(mask), TV.Zero), x, TV.Zero);
            TV.Store(x, masked);
        }
        TV.Store(TV.Load(block) + (product ? x * TV.Load(b) : x), block);
    }
}
