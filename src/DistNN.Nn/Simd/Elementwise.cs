using System.Runtime.CompilerServices;
using DistNN.Tensors;

namespace DistNN.Nn.Simd;

/// <summary>Runs an <see cref="IElementwise"/> pass over whole registers of <see cref="CpuKernels.Current"/>'s width, then lane by lane for the tail.</summary>
internal static class Elementwise
{
    public static void Run<TOp>(TOp op, long length)
        where TOp : struct, IElementwise
    {
        switch (CpuKernels.Current)
        {
            case Isa.Avx512:
                Run<TOp, Simd512>(op, length);
                break;
            case Isa.Avx2:
                Run<TOp, Simd256>(op, length);
                break;
            case Isa.Vector128:
                Run<TOp, Simd128>(op, length);
                break;
            default:
                Run<TOp, SimdScalar>(op, length);
                break;
        }
    }

    /// <summary>destination[i] = TOp(x[i], y[i]); reads lane i of x and y before writing lane i, so destination may alias either.</summary>
    public static unsafe void Map<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
        where TOp : ILanewise
    {
        fixed (float* x0 = x)
        fixed (float* y0 = y)
        fixed (float* d0 = destination)
        {
            Run(new Lanes<TOp>(x0, y0, d0), destination.Length);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOp, TV>(TOp op, long length)
        where TOp : struct, IElementwise
        where TV : unmanaged, ISimd<TV>
    {
        long i = 0;
        for (; i <= length - TV.Count; i += TV.Count)
        {
            op.Apply<TV>(i);
        }
        for (; i < length; i++)
        {
            op.Apply<SimdScalar>(i);
        }
    }

    private readonly unsafe struct Lanes<TOp>(float* x, float* y, float* destination) : IElementwise
        where TOp : ILanewise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long i)
            where TV : unmanaged, ISimd<TV> =>
            TV.Store(TOp.Apply(TV.Load(x + i), TV.Load(y + i)), destination + i);
    }
}
