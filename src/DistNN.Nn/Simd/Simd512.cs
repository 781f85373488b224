using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DistNN.Tensors;

namespace DistNN.Nn.Simd;

/// <summary><see cref="ISimd{TSelf}"/> on Vector512: AVX-512: 32 ZMM registers.</summary>
internal readonly unsafe struct Simd512(Vector512<float> value) : ISimd<Simd512>
{
    private static readonly Vector512<int> s_laneBits = Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768);

    public readonly Vector512<float> Value = value;

    public static int Count => Vector512<float>.Count;

    public static int Registers => 32;

    public static Simd512 Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(Vector512<float>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Load(float* source) => new(Vector512.Load(source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Simd512 value, float* destination) => value.Value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Broadcast(float value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator +(Simd512 left, Simd512 right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator -(Simd512 left, Simd512 right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator *(Simd512 left, Simd512 right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator /(Simd512 left, Simd512 right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator &(Simd512 left, Simd512 right) => new(left.Value & right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 operator |(Simd512 left, Simd512 right) => new(left.Value | right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 MultiplyAdd(Simd512 a, Simd512 b, Simd512 c) =>
        new(CpuKernels.HasFma ? Vector512.FusedMultiplyAdd(a.Value, b.Value, c.Value) : a.Value * b.Value + c.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 AndNot(Simd512 left, Simd512 right) => new(Vector512.AndNot(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    // MaxNative is the bare instruction: on x86 maxps returns its second operand when either is NaN, on ARM64 fmax returns NaN.
    public static Simd512 Max(Simd512 value, Simd512 floor) => new(Vector512.MaxNative(floor.Value, value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 SquareRoot(Simd512 value) => new(Vector512.Sqrt(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 GreaterThan(Simd512 left, Simd512 right) => new(Vector512.GreaterThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 LessThan(Simd512 left, Simd512 right) => new(Vector512.LessThan(left.Value, right.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 Select(Simd512 mask, Simd512 whenTrue, Simd512 whenFalse) =>
        new(Vector512.ConditionalSelect(mask.Value, whenTrue.Value, whenFalse.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint MaskBits(Simd512 mask) => (uint)Vector512.ExtractMostSignificantBits(mask.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 MaskFromBits(uint bits) =>
        new(Vector512.Equals(Vector512.Create((int)bits) & s_laneBits, s_laneBits).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 IntSequence(int start) => new((Vector512.Create(start) + Vector512<int>.Indices).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Simd512 BitsEqual(Simd512 left, Simd512 right) =>
        new(Vector512.Equals(left.Value.AsInt32(), right.Value.AsInt32()).AsSingle());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Simd512 value) => Vector512.Sum(value.Value);
}
