namespace DistNN.Protocol.Codecs;

/// <summary>
/// One vector register of the codecs' loops, so each loop is written once and instantiated per width
/// (<see cref="CodecLanes128"/>, <see cref="CodecLanes256"/>, <see cref="CodecLanes512"/>). The register holds raw
/// bits; each operation names how it reads the lanes (float, int32, uint32, int16 or sbyte).
/// </summary>
internal interface ICodecLanes<TSelf>
    where TSelf : unmanaged, ICodecLanes<TSelf>
{
    /// <summary>32-bit lanes in one register (a register holds 4 × this many sbytes).</summary>
    static abstract int Count { get; }

    static abstract TSelf LoadFloats(ref float source, nuint offset);

    static abstract TSelf LoadBytes(ref sbyte source, nuint offset);

    static abstract TSelf LoadBits(ref uint source, nuint offset);

    static abstract void StoreFloats(TSelf value, ref float destination, nuint offset);

    static abstract void StoreBytes(TSelf value, ref sbyte destination, nuint offset);

    static abstract TSelf Broadcast(float value);

    static abstract TSelf BroadcastBits(uint value);

    /// <summary>round(x / s) to nearest (ties to even), clamped to [−limit, limit], as int32 lanes.</summary>
    static abstract TSelf RoundToInt32(TSelf values, TSelf scale, TSelf limit);

    /// <summary>Two registers of int32 lanes narrowed to one of int16 lanes (lanes must fit, or they wrap).</summary>
    static abstract TSelf NarrowInt32(TSelf lower, TSelf upper);

    /// <summary>Two registers of int16 lanes narrowed to one of sbyte lanes (lanes must fit, or they wrap).</summary>
    static abstract TSelf NarrowInt16(TSelf lower, TSelf upper);

    /// <summary>The sbyte lanes of one half (upper or not) sign-extended to int16 lanes.</summary>
    static abstract TSelf WidenSBytes(TSelf value, bool upper);

    /// <summary>The int16 lanes of one half (upper or not) sign-extended to int32 lanes.</summary>
    static abstract TSelf WidenInt16(TSelf value, bool upper);

    /// <summary>Int32 lanes converted to float and multiplied by the float lanes of <paramref name="scale"/>.</summary>
    static abstract TSelf ScaleInt32(TSelf value, TSelf scale);

    static abstract TSelf operator &(TSelf left, TSelf right);

    /// <summary>Whether any lane lies in [low, high], all three below 2³¹ (so a signed compare, native on x86, is exact).</summary>
    static abstract bool AnyWithin(TSelf value, TSelf low, TSelf high);
}
