namespace DistNN.Nn.Simd;

/// <summary>
/// One register of float lanes, so a kernel is written once and instantiated per width (<see cref="Simd512"/>,
/// <see cref="Simd256"/>, <see cref="Simd128"/>, <see cref="SimdScalar"/>); the JIT specialises each instantiation
/// to that width's instructions. Masks are lanes with every bit set (true) or clear (false).
/// </summary>
internal unsafe interface ISimd<TSelf>
    where TSelf : unmanaged, ISimd<TSelf>
{
    /// <summary>Float lanes in one register.</summary>
    static abstract int Count { get; }

    /// <summary>Vector registers the kernels may plan to keep live (16 for AVX2, 32 for AVX-512 and ARM64).</summary>
    static abstract int Registers { get; }

    static abstract TSelf Zero { get; }

    static abstract TSelf Load(float* source);

    static abstract void Store(TSelf value, float* destination);

    static abstract TSelf Broadcast(float value);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    static abstract TSelf operator /(TSelf left, TSelf right);

    static abstract TSelf operator &(TSelf left, TSelf right);

    static abstract TSelf operator |(TSelf left, TSelf right);

    /// <summary>a·b + c: fused where the CPU has FMA, multiply then add where it does not (never a per-lane call).</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>left &amp; ~right, bitwise.</summary>
    static abstract TSelf AndNot(TSelf left, TSelf right);

    /// <summary>The larger of value and floor, lane by lane; a NaN value stays NaN (ReLU keeps a diverging z visible).</summary>
    static abstract TSelf Max(TSelf value, TSelf floor);

    static abstract TSelf SquareRoot(TSelf value);

    static abstract TSelf GreaterThan(TSelf left, TSelf right);

    static abstract TSelf LessThan(TSelf left, TSelf right);

    /// <summary>Lanes of <paramref name="whenTrue"/> where the mask is set, else of <paramref name="whenFalse"/>.</summary>
    static abstract TSelf Select(TSelf mask, TSelf whenTrue, TSelf whenFalse);

    /// <summary>Bit i = the sign bit of lane i (a mask's lanes as bits).</summary>
    static abstract uint MaskBits(TSelf mask);

    /// <summary>The mask whose lane i is set where bit i of <paramref name="bits"/> is (the inverse of <see cref="MaskBits"/>).</summary>
    static abstract TSelf MaskFromBits(uint bits);

    /// <summary>Lanes holding the int32 bit patterns start, start + 1, … (for int indices kept in float storage).</summary>
    static abstract TSelf IntSequence(int start);

    /// <summary>The mask of lanes whose bit patterns are equal (int32 compare).</summary>
    static abstract TSelf BitsEqual(TSelf left, TSelf right);

    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TSelf value);
}
