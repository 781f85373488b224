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
    /// From <paramref name="start"/> on, the first whole register-sized block [result, end) holding a key in
    /// [low, high]; when none is left, the rest [result, bits.Length) (the tail, or everything on scalar kernels).
    /// </summary>
    public static int Next(ReadOnlySpan<uint> bits, int start, uint low, uint high, out int end) => CpuKernels.Current switch
    {
        Isa.Avx512 => Next<CodecLanes512>(bits, start, low, high, out end),
        Isa.Avx2 => Next<CodecLanes256>(bits, start, low, high, out end),
        Isa.Vector128 => Next<CodecLanes128>(bits, start, low, high, out end),
        _ => Rest(bits, start, out end),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Next<TV>(ReadOnlySpan<uint> bits, int start, uint low, uint high, out int end)
        where TV : unmanaged, ICodecLanes<TV>
    {
        ref uint first = ref MemoryMarshal.GetReference(bits);
        TV mask = TV.BroadcastBits(MagnitudeMask), lo = TV.BroadcastBits(low), hi = TV.BroadcastBits(high);
        int i = start;
        for (; i <= bits.Length - TV.Count; i += TV.Count)
        {
            if (TV.AnyWithin(TV.LoadBits(ref first, (nuint)i) & mask, lo, hi))
            {
                end = i + TV.Count;
                return i;
            }
        }
        return Rest(bits, i, out end);
    }

    private static int Rest(ReadOnlySpan<uint> bits, int start, out int end)
    {
        end = bits.Length;
        return start;
    }
}
