using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DistNN.Tensors;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// Skips, one register at a time in <see cref="CpuKernels.Current"/>'s width, the blocks of float keys (bits without
/// the sign) of which none lies in [low, high]: a top-k pass then looks lane by lane only at the few blocks that matter.
/// </summary>
internal static class KeyBlocks
{
    private const uint MagnitudeMask = 0x7FFF_FFFF;

    /// <summary>
    /// Visits, in order, each whole register-sized block holding a key in [low, high], then the tail (everything on
    /// scalar kernels). The width is picked once per pass.
    /// </summary>
    public static void Visit<TVisitor>(ReadOnlySpan<uint> bits, uint low, uint high, ref TVisitor visitor)
        where TVisitor : IKeyBlockVisitor, allows ref struct
    {
        int tail = CpuKernels.Current switch
        {
            Isa.Avx512 => Visit<CodecLanes512, TVisitor>(bits, low, high, ref visitor),
            Isa.Avx2 => Visit<CodecLanes256, TVisitor>(bits, low, high, ref visitor),
            Isa.Vector128 => Visit<CodecLanes128, TVisitor>(bits, low, high, ref visitor),
            _ => 0,
        };
        visitor.Visit(tail, bits.Length);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Visit<TV, TVisitor>(ReadOnlySpan<uint> bits, uint low, uint high, ref TVisitor visitor)
        where TV : unmanaged, ICodecLanes<TV>
        where TVisitor : IKeyBlockVisitor, allows ref struct
    {
        ref uint first = ref MemoryMarshal.GetReference(bits);
        TV mask = TV.BroadcastBits(MagnitudeMask), lo = TV.BroadcastBits(low), hi = TV.BroadcastBits(high);
        int i = 0;
        for (; i <= bits.Length - TV.Count; i += TV.Count)
        {
            if (TV.AnyWithin(TV.LoadBits(ref first, (nuint)i) & mask, lo, hi))
            {
                visitor.Visit(i, i + TV.Count);
            }
        }
        return i;
    }
}
