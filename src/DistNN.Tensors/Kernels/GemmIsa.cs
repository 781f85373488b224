using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistNN.Tensors.Kernels;

/// <summary>Which register kernel runs the tiles.</summary>
internal enum GemmIsa
{
    Scalar,
    Vector256,
    Vector512,
}

internal static class GemmIsaSupport
{
    /// <summary>The fastest kernel this machine runs.</summary>
    public static readonly GemmIsa Best =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? GemmIsa.Vector256
        : GemmIsa.Scalar;

    public static bool IsSupported(GemmIsa isa) => isa <= Best;

    /// <summary>The register kernel that serves the instruction set the caller chose.</summary>
    public static GemmIsa For(Isa isa) => isa switch
    {
        Isa.Avx512 => GemmIsa.Vector512,
        Isa.Avx2 => GemmIsa.Vector256,
        _ => GemmIsa.Scalar,
    };
}
