using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DistNN.Tensors.Kernels;

/// <summary>
/// One thread's packing buffers, allocated once on the pinned heap and aligned to 64 bytes,
/// so a GEMM call allocates nothing and every thread packs into its own memory.
/// </summary>
internal sealed unsafe class GemmBuffers
{
    [ThreadStatic]
    private static GemmBuffers? t_current;

    // The Ã packer may write 8 floats past its last panel; keep slack after every buffer.
    private const int Slack = 64;

    private readonly float[] _a;
    private readonly float[] _b;
    private readonly float[] _tile;

    private GemmBuffers()
    {
        _a = GC.AllocateUninitializedArray<float>((int)GemmKernel.LargestPackedA + 2 * Slack, pinned: true);
        _b = GC.AllocateUninitializedArray<float>((int)GemmKernel.LargestPackedB + 2 * Slack, pinned: true);
        _tile = GC.AllocateUninitializedArray<float>(GemmKernel.Largest.MR * GemmKernel.Largest.NR + 2 * Slack, pinned: true);
        A = Align(_a);
        B = Align(_b);
        Tile = Align(_tile);
    }

    public static GemmBuffers Current => t_current ??= new GemmBuffers();

    /// <summary>Room for an MC×KC Ã block of any kernel.</summary>
    public float* A { get; }

    /// <summary>Room for a KC×NC B̃ block of any kernel.</summary>
    public float* B { get; }

    /// <summary>Room for one MR×NR edge tile of any kernel.</summary>
    public float* Tile { get; }

    private static float* Align(float[] pinned)
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (float*)((address + 63) & ~(nint)63);
    }
}
