using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Protocol.Codecs;

/// <summary>The codecs' loops on 512-bit registers.</summary>
internal readonly struct CodecLanes512(Vector512<uint> bits) : ICodecLanes<CodecLanes512>
{
    private readonly Vector512<uint> _bits = bits;

    public static int Count => Vector512<uint>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 LoadFloats(ref float source, nuint offset) =>
        new(Vector512.LoadUnsafe(ref source, offset).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 LoadBytes(ref sbyte source, nuint offset) =>
        new(Vector512.LoadUnsafe(ref source, offset).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 LoadBits(ref uint source, nuint offset) => new(Vector512.LoadUnsafe(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFloats(CodecLanes512 value, ref float destination, nuint offset) =>
        value._bits.AsSingle().StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBytes(CodecLanes512 value, ref sbyte destination, nuint offset) =>
        value._bits.AsSByte().StoreUnsafe(ref destination, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 Broadcast(float value) => new(Vector512.Create(value).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 BroadcastBits(uint value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 RoundToInt32(CodecLanes512 values, CodecLanes512 scale, CodecLanes512 limit)
    {
        Vector512<float> q = Vector512.Round(values._bits.AsSingle() / scale._bits.AsSingle());
        Vector512<float> l = limit._bits.AsSingle();
        return new(Vector512.ConvertToInt32(Vector512.Clamp(q, -l, l)).AsUInt32());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 NarrowInt32(CodecLanes512 lower, CodecLanes512 upper) =>
        new(Vector512.Narrow(lower._bits.AsInt32(), upper._bits.AsInt32()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 NarrowInt16(CodecLanes512 lower, CodecLanes512 upper) =>
        new(Vector512.Narrow(lower._bits.AsInt16(), upper._bits.AsInt16()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 WidenSBytes(CodecLanes512 value, bool upper) =>
        new((upper ? Vector512.WidenUpper(value._bits.AsSByte()) : Vector512.WidenLower(value._bits.AsSByte())).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 WidenInt16(CodecLanes512 value, bool upper) =>
        new((upper ? Vector512.WidenUpper(value._bits.AsInt16()) : Vector512.WidenLower(value._bits.AsInt16())).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 ScaleInt32(CodecLanes512 value, CodecLanes512 scale) =>
        new((Vector512.ConvertToSingle(value._bits.AsInt32()) * scale._bits.AsSingle()).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CodecLanes512 operator &(CodecLanes512 left, CodecLanes512 right) => new(left._bits & right._bits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnyWithin(CodecLanes512 value, CodecLanes512 low, CodecLanes512 high) =>
        Vector512.AnyWhereAllBitsSet(Vector512.GreaterThanOrEqual(value._bits.AsInt32(), low._bits.AsInt32())
            & Vector512.LessThanOrEqual(value._bits.AsInt32(), high._bits.AsInt32()));
}
