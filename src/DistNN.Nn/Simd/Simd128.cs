using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using DistNN.Tensors;

namespace DistNN.Nn.Simd;

/// <summary><see cref="ISimd{TSelf}"/> on Vector128: SSE/AVX on x86, NEON on ARM64 (32 registers there and with AVX-512, else 16).</summary>
internal readonly unsafe struct Simd128(Vector128<float> value) : ISimd<Simd128>
{
    private static readonly Vector128<int> s_laneBits = Vector128.Create(1, 2, 4, 8);

    public readonly Vector128<float> Value = value;

    public static int Count => Vector128<float>.Count;

    public static int Registers => Avx512F.IsSupported || AdvSimd.Arm64.IsSupported ? 32 : 16;

    public static Simd128 Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector128<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Load(float* source) => new(Vector128.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd128 value, float* destination) => value.Value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Broadcast(float value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator +(Simd128 left, Simd128 right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator -(Simd128 left, Simd128 right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator *(Simd128 left, Simd128 right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator /(Simd128 left, Simd128 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator &(Simd128 left, Simd128 right) => new(left.Value & right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 operator |(Simd128 left, Simd128 right) => new(left.Value | right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 MultiplyAdd(Simd128 a, Simd128 b, Simd128 c) =>
        new(CpuKernels.HasFma ? Vector128.FusedMultiplyAdd(a.Value, b.Value, c.Value) : a.Value * b.Value + c.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 AndNot(Simd128 left, Simd128 right) => new(Vector128.AndNot(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    // MaxNative is the bare instruction: on x86 maxps returns its second operand when either is NaN, on ARM64 fmax returns NaN.
    public static Simd128 Max(Simd128 value, Simd128 floor) => new(Vector128.MaxNative(floor.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 SquareRoot(Simd128 value) => new(Vector128.Sqrt(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 GreaterThan(Simd128 left, Simd128 right) => new(Vector128.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 LessThan(Simd128 left, Simd128 right) => new(Vector128.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 Select(Simd128 mask, Simd128 whenTrue, Simd128 whenFalse) =>
        new(Vector128.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint MaskBits(Simd128 mask) => (uint)Vector128.ExtractMostSignificantBits(mask.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 MaskFromBits(uint bits) =>
        new(Vector128.Equals(Vector128.Create((int)bits) & s_laneBits, s_laneBits).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 IntSequence(int start) => new((Vector128.Create(start) + Vector128<int>.Indices).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd128 BitsEqual(Simd128 left, Simd128 right) =>
        new(Vector128.Equals(left.Value.AsInt32(), right.Value.AsInt32()).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd128 value) => Vector128.Sum(value.Value);
}
