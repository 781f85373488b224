using Akka.Actor;
using DistNN.Protocol.DataPlane;

namespace DistNN.Training.Carriers;

/// <summary>
/// An actor on a server node reached over the data plane, as an <see cref="IActorRef"/>: a Tell writes the message as
/// one <see cref="MessageFrame"/> (pooled buffer, one copy of the tensors) on the sending thread and queues it on the
/// node's <see cref="DataPlaneLink"/>; while the connection's queue is full the Tell waits (flow control). The frame
/// names the target's path and a route for the sender, so the reply finds it.
/// </summary>
internal sealed class DataPlaneRef(TensorCarrier carrier, DataPlaneLink link, string target, ActorPath path) : MinimalActorRef
{
    public override ActorPath Path { get; } = path;

    public override IActorRefProvider Provider => carrier.Provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        int route = sender is null || sender.IsNobody() ? 0 : carrier.RouteOf(sender, target);
        link.Tell(target, route, message);
    }
}

/// <summary>
/// The sender of a message that arrived on a data-plane connection: a reply is written back on that same connection
/// with the route the request came with (nothing is resent from this side; the requesting side does that).
/// </summary>
internal sealed class DataPlaneReplyRef(TensorCarrier carrier, DataPlaneConnection connection, int route, ActorPath path)
    : MinimalActorRef, ISerializesOnTell
{
    public override ActorPath Path { get; } = path;

    public override IActorRefProvider Provider => carrier.Provider;

    protected override void TellInternal(object message, IActorRef sender) =>
        carrier.WriteAndSend(connection, "", route, message);
}
