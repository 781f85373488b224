using DistNN.Protocol.Framing;
using Akka.Actor;
using DistNN.Protocol.Limits;
using MessagePack;

namespace DistNN.Protocol.Serialization;

/// <summary>
/// MessagePack options that carry what formatters need beyond the bytes: the <see cref="ProtocolLimits"/> and the
/// ActorSystem that resolves actor paths back into <see cref="IActorRef"/>s. Every <c>With…</c> call clones, and the
/// clone keeps both.
/// </summary>
public sealed class ProtocolMessagePackOptions : MessagePackSerializerOptions
{
    public ProtocolMessagePackOptions(MessagePackSerializerOptions copyFrom, ProtocolLimits limits, ExtendedActorSystem? system)
        : base(copyFrom)
    {
        Limits = limits;
        System = system;
    }

    private ProtocolMessagePackOptions(ProtocolMessagePackOptions copyFrom)
        : base(copyFrom)
    {
        Limits = copyFrom.Limits;
        System = copyFrom.System;
        ValueArrays = copyFrom.ValueArrays;
        ValuesByReference = copyFrom.ValuesByReference;
    }

    public ProtocolLimits Limits { get; }

    /// <summary>Resolves actor paths on read; null where no ActorSystem is at hand (actor refs then cannot be read).</summary>
    public ExtendedActorSystem? System { get; }

    /// <summary>
    /// Where chunk values are read into: (chunkId, length) → an array of exactly that length that the reader may
    /// overwrite. Null: a new array for every chunk (the default; the receiver may keep it forever).
    /// </summary>
    public Ownership.IValueArrays? ValueArrays { get; private set; }

    /// <summary>A copy that reads chunk values into the arrays of <paramref name="arrays"/>.</summary>
    public ProtocolMessagePackOptions WithValueArrays(Ownership.IValueArrays? arrays)
    {
        var copy = (ProtocolMessagePackOptions)Clone();
        copy.ValueArrays = arrays;
        return copy;
    }

    /// <summary>
    /// On write: the frame that large dense chunk values are appended to by reference (<see cref="FrameWriter.AppendExternal"/>)
    /// instead of copied, because it is sent before the message's arrays can change. Null: values are copied.
    /// </summary>
    public FrameWriter? ValuesByReference { get; private set; }

    /// <summary>A copy that writes large chunk values into <paramref name="frame"/> by reference.</summary>
    public ProtocolMessagePackOptions WithValuesByReference(FrameWriter? frame)
    {
        var copy = (ProtocolMessagePackOptions)Clone();
        copy.ValuesByReference = frame;
        return copy;
    }

    protected override MessagePackSerializerOptions Clone() => new ProtocolMessagePackOptions(this);
}
