using System.Runtime.CompilerServices;

namespace DistNN.Nn.Simd;

/// <summary><see cref="ISimd{TSelf}"/> one float wide: the scalar kernels, from the same source as the vector ones.</summary>
internal readonly unsafe struct SimdScalar(float value) : ISimd<SimdScalar>
{
    public readonly float Value = value;

    public static int Count => 1;

    public static int Registers => 16;

    public static SimdScalar Zero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(0f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Load(float* source) => new(*source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(SimdScalar value, float* destination) => *destination = value.Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Broadcast(float value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator +(SimdScalar left, SimdScalar right) => new(left.Value + right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator -(SimdScalar left, SimdScalar right) => new(left.Value - right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator *(SimdScalar left, SimdScalar right) => new(left.Value * right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator /(SimdScalar left, SimdScalar right) => new(left.Value / right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator &(SimdScalar left, SimdScalar right) => FromBits(Bits(left) & Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar operator |(SimdScalar left, SimdScalar right) => FromBits(Bits(left) | Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar MultiplyAdd(SimdScalar a, SimdScalar b, SimdScalar c) => new(a.Value * b.Value + c.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar AndNot(SimdScalar left, SimdScalar right) => FromBits(Bits(left) & ~Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Max(SimdScalar value, SimdScalar floor) => value.Value > floor.Value || float.IsNaN(value.Value) ? value : floor;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar SquareRoot(SimdScalar value) => new(MathF.Sqrt(value.Value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar GreaterThan(SimdScalar left, SimdScalar right) => Mask(left.Value > right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar LessThan(SimdScalar left, SimdScalar right) => Mask(left.Value < right.Value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar Select(SimdScalar mask, SimdScalar whenTrue, SimdScalar whenFalse) => Bits(mask) != 0 ? whenTrue : whenFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint MaskBits(SimdScalar mask) => (uint)Bits(mask) >> 31;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar MaskFromBits(uint bits) => Mask((bits & 1) != 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar IntSequence(int start) => FromBits(start);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SimdScalar BitsEqual(SimdScalar left, SimdScalar right) => Mask(Bits(left) == Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(SimdScalar value) => value.Value;

    private static int Bits(SimdScalar value) => BitConverter.SingleToInt32Bits(value.Value);

    private static SimdScalar FromBits(int bits) => new(BitConverter.Int32BitsToSingle(bits));

    private static SimdScalar Mask(bool set) => FromBits(set ? -1 : 0);
}
