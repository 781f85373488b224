using System.Buffers;
using System.Collections.Concurrent;
using Akka.Actor;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Messages;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// Every frame on every data-plane connection of a node, on the connection's receive thread. The data plane carries
/// only what it exists for: on a connection a peer opened, pushes, pulls and idle notices addressed to a server this node
/// serves (<see cref="DataPlaneTransport.Serve"/>), with a credential issued under that server's run key — a push or
/// idle notice in the credential's own name; on a connection this node opened, the replies to its requests. Anything
/// else is refused before its message is read, counted (<see cref="TransportCounters.RefusedOf"/>) and closes the
/// connection. A request goes to its server with a sender that answers on the same connection; a reply goes to the actor
/// its route names. A push's or reply's values are read into the sender's <see cref="ReceiveArrays"/>.
/// </summary>
internal sealed class FrameDispatcher(DataPlaneTransport transport)
{
    private const string PushManifest = "distnn.push-gradients";
    private const string PullManifest = "distnn.pull-weights";
    private const string IdleManifest = "distnn.worker-idle";

    private readonly ConcurrentDictionary<(DataPlaneConnection Connection, int Route), ReceiveArrays> _receiveArrays = new();

    /// <summary>A frame on <paramref name="connection"/>; <paramref name="link"/> is the link that opened it (null: accepted).</summary>
    public void OnFrame(DataPlaneConnection connection, ReadOnlySequence<byte> payload, DataPlaneLink? link)
    {
        var (manifest, target, route, credential, bytes) = MessageFrame.ReadHeader(payload, transport.Options.Limits);
        if (link is not null)
        {
            if (target.Length != 0 || manifest is not ("distnn.push-reply" or "distnn.weights-reply"))
            {
                transport.Refuse(connection, DataPlaneRefusal.MessageType,
                    $"a '{manifest}' frame{(target.Length == 0 ? "" : $" to '{target}'")} from the server it connected to: only replies come back");
                return;
            }
            object reply = transport.Serializer.Read(bytes, manifest, connection.PlacedArrays ?? ArraysOf(connection, route).NextMessage());
            link.Answered(route, reply);
            if (transport.Routes.ActorOf(route) is { } actor)
            {
                transport.Counters.CountReceived(actor, payload.Length);
                actor.Tell(reply, ActorRefs.NoSender);
            }
            return;
        }
        if (manifest is not (PushManifest or PullManifest or IdleManifest))
        {
            transport.Refuse(connection, DataPlaneRefusal.MessageType,
                $"a '{manifest}' frame to '{target}': the data plane carries pushes, pulls and idle notices only");
            return;
        }
        if (!transport.TryServed(target, out var served))
        {
            transport.Refuse(connection, DataPlaneRefusal.Target, $"a '{manifest}' frame to '{target}', which is not a parameter server served here");
            return;
        }
        if (credential is null || !credential.IsIssuedUnder(served.Key))
        {
            transport.Refuse(connection, DataPlaneRefusal.Credential, credential is null
                ? $"a '{manifest}' frame to '{target}' without a credential"
                : $"a '{manifest}' frame to '{target}' with a credential for '{credential.Name}' not issued by this run's coordinator");
            return;
        }
        object message = transport.Serializer.Read(bytes, manifest,
            manifest == PushManifest ? connection.PlacedArrays ?? ArraysOf(connection, route).NextMessage() : null);
        string? claimed = message switch
        {
            PushGradients push => push.Worker,
            WorkerIdle idle => idle.Worker,
            _ => null,
        };
        if (claimed is not null && claimed != credential.Name)
        {
            transport.Refuse(connection, DataPlaneRefusal.Credential,
                $"a '{manifest}' frame to '{target}' in the name of '{claimed}' with the credential of '{credential.Name}'");
            return;
        }
        served.Server.Tell(message, new DataPlaneReplyRef(transport, connection, route, served.Server.Path));
    }

    /// <summary>
    /// Where a frame's large values go as they arrive (<see cref="FramePlacement"/>): the sender's next receive arrays if
    /// <see cref="OnFrame"/> would read the frame's message into them — a reply on a connection this node opened, a push
    /// to a server served here with a credential issued under its key —, else null (the frame is read whole, then judged).
    /// </summary>
    public Protocol.Ownership.IValueArrays? Place(DataPlaneConnection connection, ReadOnlySequence<byte> frameStart, DataPlaneLink? link)
    {
        string manifest;
        string target;
        int route;
        DataPlaneCredential? credential;
        try
        {
            (manifest, target, route, credential, _) = MessageFrame.ReadHeader(frameStart, transport.Options.Limits);
        }
        catch (Protocol.Limits.WireProtocolException)
        {
            return null;
        }
        bool accepted = link is not null
            ? target.Length == 0 && manifest is "distnn.push-reply" or "distnn.weights-reply"
            : manifest == PushManifest && transport.TryServed(target, out var served) && credential is not null && credential.IsIssuedUnder(served.Key);
        return accepted ? ArraysOf(connection, route).NextMessage() : null;
    }

    private ReceiveArrays ArraysOf(DataPlaneConnection connection, int route) =>
        _receiveArrays.GetOrAdd((connection, route), key =>
        {
            _ = key.Connection.Completion.ContinueWith(_ => _receiveArrays.TryRemove(key, out ReceiveArrays? _), TaskScheduler.Default);
            return new ReceiveArrays();
        });
}
