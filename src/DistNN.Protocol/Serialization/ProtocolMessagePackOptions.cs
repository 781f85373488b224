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
    }

    public ProtocolLimits Limits { get; }

    /// <summary>Resolves actor paths on read; null where no ActorSystem is at hand (actor refs then cannot be read).</summary>
    public ExtendedActorSystem? System { get; }

    protected override MessagePackSerializerOptions Clone() => new ProtocolMessagePackOptions(this);
}
