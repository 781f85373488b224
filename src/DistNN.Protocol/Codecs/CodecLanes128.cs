using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Protocol.Codecs;

/// <summary>The codecs' loops on 128-bit registers.</summary>
internal readonly struct CodecLanes128(Vector128<uint> bits) : ICodecLanes<CodecLanes128>
{
    private readonly Vector128<uint> _bits = bits;

    public static int Count => Vector128<uint>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 LoadFloats(ref float source, nuint offset) =>
        new(Vector128.LoadUnsafe(ref source, offset).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 LoadBytes(ref sbyte source, nuint offset) =>
        new(Vector128.LoadUnsafe(ref source, offset).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 LoadBits(ref uint source, nuint offset) => new(Vector128.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFloats(CodecLanes128 value, ref float destination, nuint offset) =>
        value._bits.AsSingle().StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBytes(CodecLanes128 value, ref sbyte destination, nuint offset) =>
        value._bits.AsSByte().StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 Broadcast(float value) => new(Vector128.Create(value).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 BroadcastBits(uint value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 RoundToInt32(CodecLanes128 values, CodecLanes128 scale, CodecLanes128 limit)
    {
        Vector128<float> q = Vector128.Round(values._bits.AsSingle() / scale._bits.AsSingle());
        Vector128<float> l = limit._bits.AsSingle();
        return new(Vector128.ConvertToInt32(Vector128.Clamp(q, -l, l)).AsUInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 NarrowInt32(CodecLanes128 lower, CodecLanes128 upper) =>
        new(Vector128.Narrow(lower._bits.AsInt32(), upper._bits.AsInt32()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 NarrowInt16(CodecLanes128 lower, CodecLanes128 upper) =>
        new(Vector128.Narrow(lower._bits.AsInt16(), upper._bits.AsInt16()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 WidenSBytes(CodecLanes128 value, bool upper) =>
        new((upper ? Vector128.WidenUpper(value._bits.AsSByte()) : Vector128.WidenLower(value._bits.AsSByte())).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 WidenInt16(CodecLanes128 value, bool upper) =>
        new((upper ? Vector128.WidenUpper(value._bits.AsInt16()) : Vector128.WidenLower(value._bits.AsInt16())).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 ScaleInt32(CodecLanes128 value, CodecLanes128 scale) =>
        new((Vector128.ConvertToSingle(value._bits.AsInt32()) * scale._bits.AsSingle()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes128 operator &(CodecLanes128 left, CodecLanes128 right) => new(left._bits & right._bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyWithin(CodecLanes128 value, CodecLanes128 low, CodecLanes128 high) =>
        Vector128.AnyWhereAllBitsSet(Vector128.GreaterThanOrEqual(value._bits.AsInt32(), low._bits.AsInt32())
            & Vector128.LessThanOrEqual(value._bits.AsInt32(), high._bits.AsInt32()));
}
