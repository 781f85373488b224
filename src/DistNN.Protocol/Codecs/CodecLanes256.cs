using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Protocol.Codecs;

/// <summary>The codecs' loops on 256-bit registers.</summary>
internal readonly struct CodecLanes256(Vector256<uint> bits) : ICodecLanes<CodecLanes256>
{
    private readonly Vector256<uint> _bits = bits;

    public static int Count => Vector256<uint>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 LoadFloats(ref float source, nuint offset) =>
        new(Vector256.LoadUnsafe(ref source, offset).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 LoadBytes(ref sbyte source, nuint offset) =>
        new(Vector256.LoadUnsafe(ref source, offset).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 LoadBits(ref uint source, nuint offset) => new(Vector256.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFloats(CodecLanes256 value, ref float destination, nuint offset) =>
        value._bits.AsSingle().StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBytes(CodecLanes256 value, ref sbyte destination, nuint offset) =>
        value._bits.AsSByte().StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 Broadcast(float value) => new(Vector256.Create(value).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 BroadcastBits(uint value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 RoundToInt32(CodecLanes256 values, CodecLanes256 scale, CodecLanes256 limit)
    {
        Vector256<float> q = Vector256.Round(values._bits.AsSingle() / scale._bits.AsSingle());
        Vector256<float> l = limit._bits.AsSingle();
        return new(Vector256.ConvertToInt32(Vector256.Clamp(q, -l, l)).AsUInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 NarrowInt32(CodecLanes256 lower, CodecLanes256 upper) =>
        new(Vector256.Narrow(lower._bits.AsInt32(), upper._bits.AsInt32()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 NarrowInt16(CodecLanes256 lower, CodecLanes256 upper) =>
        new(Vector256.Narrow(lower._bits.AsInt16(), upper._bits.AsInt16()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 WidenSBytes(CodecLanes256 value, bool upper) =>
        new((upper ? Vector256.WidenUpper(value._bits.AsSByte()) : Vector256.WidenLower(value._bits.AsSByte())).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 WidenInt16(CodecLanes256 value, bool upper) =>
        new((upper ? Vector256.WidenUpper(value._bits.AsInt16()) : Vector256.WidenLower(value._bits.AsInt16())).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 ScaleInt32(CodecLanes256 value, CodecLanes256 scale) =>
        new((Vector256.ConvertToSingle(value._bits.AsInt32()) * scale._bits.AsSingle()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes256 operator &(CodecLanes256 left, CodecLanes256 right) => new(left._bits & right._bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyWithin(CodecLanes256 value, CodecLanes256 low, CodecLanes256 high) =>
        Vector256.AnyWhereAllBitsSet(Vector256.GreaterThanOrEqual(value._bits.AsInt32(), low._bits.AsInt32())
            & Vector256.LessThanOrEqual(value._bits.AsInt32(), high._bits.AsInt32()));
}
