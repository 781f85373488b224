using System.Buffers;
using System.Text;
using Akka.Actor;
using DistNN.Protocol.Limits;
using MessagePack;
using MessagePack.Formatters;

namespace DistNN.Protocol.Serialization.Formatters;

/// <summary>
/// An <see cref="IActorRef"/> as its serialized path (with the address a remote peer reaches it at), resolved back
/// through the ActorSystem in <see cref="ProtocolMessagePackOptions.System"/>. No sender (null) travels as nil and
/// <see cref="ActorRefs.Nobody"/> as the empty string, so both come back as they went.
/// </summary>
public sealed class ActorRefFormatter : IMessagePackFormatter<IActorRef?>
{
    private readonly ProtocolLimits _limits;

    public ActorRefFormatter(ProtocolLimits limits)
    {
        _limits = limits;
    }

    public void Serialize(ref MessagePackWriter writer, IActorRef? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        writer.Write(ReferenceEquals(value, ActorRefs.Nobody) ? string.Empty : Akka.Serialization.Serialization.SerializedActorPath(value));
    }

    public IActorRef? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }
        ReadOnlySequence<byte> utf8 = reader.ReadStringSequence() ?? throw new WireProtocolException(ViolationKind.Malformed,
            "an actor ref is a path string");
        if (utf8.Length > _limits.MaxStringBytes)
        {
            throw new WireProtocolException(ViolationKind.StringTooLong,
                $"actor path of {utf8.Length} bytes exceeds the limit of {_limits.MaxStringBytes} bytes");
        }
        if (utf8.Length == 0)
        {
            return ActorRefs.Nobody;
        }
        ExtendedActorSystem system = (options as ProtocolMessagePackOptions)?.System
            ?? throw new InvalidOperationException(
                "reading an actor ref needs the ActorSystem: deserialize through the ProtocolSerializer of an ActorSystem");
        return system.Provider.ResolveActorRef(Encoding.UTF8.GetString(utf8));
    }
}
