using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Tensors.Kernels;

/// <summary>a·b + c on four lanes, as a type argument so each tile is compiled once per flavour with the call inlined.</summary>
internal interface IMulAdd128
{
    static abstract Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c);
}

/// <summary>One fused instruction (FMA on x86, FMLA on ARM64): only where <see cref="CpuKernels.HasFma"/>.</summary>
internal readonly struct FusedMulAdd128 : IMulAdd128
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
}

/// <summary>A multiply then an add: the runtime has no fused instruction.</summary>
internal readonly struct SeparateMulAdd128 : IMulAdd128
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => a * b + c;
}
