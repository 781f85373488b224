using System.Buffers;
using System.Collections.Concurrent;
using Akka.Actor;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// Every frame on every data-plane connection of a node, on the connection's receive thread: the message is read (a
/// push's or reply's values into the sender's <see cref="ReceiveArrays"/>); a request goes to its target (only actors
/// under /user) with a sender that answers on the same connection; a reply goes to the actor its route names.
/// </summary>
internal sealed class FrameDispatcher(DataPlaneTransport transport)
{
    private readonly ConcurrentDictionary<string, IActorRef> _targets = new();
    private readonly ConcurrentDictionary<(DataPlaneConnection Connection, int Route), ReceiveArrays> _receiveArrays = new();

    /// <summary>A frame on <paramref name="connection"/>; <paramref name="link"/> is the link that opened it (null: accepted).</summary>
    public void OnFrame(DataPlaneConnection connection, ReadOnlySequence<byte> payload, DataPlaneLink? link)
    {
        var (manifest, target, route, bytes) = MessageFrame.ReadHeader(payload, transport.Options.Limits);
        object message = transport.Serializer.Read(bytes, manifest,
            MessageFrame.IsTensorMessage(manifest) ? ArraysOf(connection, route).NextMessage() : null);
        if (target.Length == 0)
        {
            link?.Answered(route, message);
            if (transport.Routes.ActorOf(route) is { } actor)
            {
                transport.Counters.CountReceived(actor, payload.Length);
                actor.Tell(message, ActorRefs.NoSender);
            }
            return;
        }
        if (!target.StartsWith("/user/", StringComparison.Ordinal))
        {
            throw new WireProtocolException(ViolationKind.Malformed, $"a data-plane frame may address only actors under /user, not '{target}'");
        }
        IActorRef recipient = _targets.GetOrAdd(target, path => transport.Provider.ResolveActorRef(
            new RootActorPath(transport.Provider.DefaultAddress) / path.Split('/', StringSplitOptions.RemoveEmptyEntries)));
        recipient.Tell(message, new DataPlaneReplyRef(transport, connection, route, recipient.Path));
    }

    private ReceiveArrays ArraysOf(DataPlaneConnection connection, int route) =>
        _receiveArrays.GetOrAdd((connection, route), key =>
        {
            _ = key.Connection.Completion.ContinueWith(_ => _receiveArrays.TryRemove(key, out ReceiveArrays? _), TaskScheduler.Default);
            return new ReceiveArrays();
        });
}
