using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DistNN.Tensors;

namespace DistNN.Nn.Simd;

/// <summary><see cref="ISimd{TSelf}"/> on Vector256: AVX2 + FMA: 16 YMM registers.</summary>
internal readonly unsafe struct Simd256(Vector256<float> value) : ISimd<Simd256>
{
    private static readonly Vector256<int> s_laneBits = Vector256.Create(1, 2, 4, 8, 16, 32, 64, 128);

    public readonly Vector256<float> Value = value;

    public static int Count => Vector256<float>.Count;

    public static int Registers => 16;

    public static Simd256 Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector256<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Load(float* source) => new(Vector256.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd256 value, float* destination) => value.Value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Broadcast(float value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator +(Simd256 left, Simd256 right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator -(Simd256 left, Simd256 right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator *(Simd256 left, Simd256 right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator /(Simd256 left, Simd256 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator &(Simd256 left, Simd256 right) => new(left.Value & right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 operator |(Simd256 left, Simd256 right) => new(left.Value | right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 MultiplyAdd(Simd256 a, Simd256 b, Simd256 c) =>
        new(CpuKernels.HasFma ? Vector256.FusedMultiplyAdd(a.Value, b.Value, c.Value) : a.Value * b.Value + c.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 AndNot(Simd256 left, Simd256 right) => new(Vector256.AndNot(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    // MaxNative is the bare instruction: on x86 maxps returns its second operand when either is NaN, on ARM64 fmax returns NaN.
    public static Simd256 Max(Simd256 value, Simd256 floor) => new(Vector256.MaxNative(floor.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 SquareRoot(Simd256 value) => new(Vector256.Sqrt(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 GreaterThan(Simd256 left, Simd256 right) => new(Vector256.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 LessThan(Simd256 left, Simd256 right) => new(Vector256.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 Select(Simd256 mask, Simd256 whenTrue, Simd256 whenFalse) =>
        new(Vector256.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint MaskBits(Simd256 mask) => (uint)Vector256.ExtractMostSignificantBits(mask.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 MaskFromBits(uint bits) =>
        new(Vector256.Equals(Vector256.Create((int)bits) & s_laneBits, s_laneBits).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 IntSequence(int start) => new((Vector256.Create(start) + Vector256<int>.Indices).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd256 BitsEqual(Simd256 left, Simd256 right) =>
        new(Vector256.Equals(left.Value.AsInt32(), right.Value.AsInt32()).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd256 value) => Vector256.Sum(value.Value);
}
