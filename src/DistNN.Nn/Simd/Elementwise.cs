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
}
