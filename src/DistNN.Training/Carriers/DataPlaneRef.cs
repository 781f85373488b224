using Akka.Actor;
using DistNN.Protocol.DataPlane;
using DistNN.Protocol.Framing;

namespace DistNN.Training.Carriers;

/// <summary>
/// An actor on the other end of a data-plane connection, as an <see cref="IActorRef"/>: a Tell writes the message as
/// one <see cref="MessageFrame"/> (pooled buffer, one copy of the tensors) on the sending thread and queues it; while
/// the connection's queue is full the Tell waits (flow control). Towards a server the frame names the target's path
/// and a route for the sender, so the reply finds it; a reply ref (<paramref name="fixedRoute"/> set) names the
/// route the request came with.
/// </summary>
internal sealed class DataPlaneRef(TensorCarrier carrier, DataPlaneConnection connection, string target, int? fixedRoute, ActorPath path)
    : MinimalActorRef
{
    public override ActorPath Path { get; } = path;

    public override IActorRefProvider Provider => carrier.Provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        int route = fixedRoute ?? (sender is null || sender.IsNobody() ? 0 : carrier.RouteOf(sender));
        var frame = new FrameWriter(TensorCarrier.TensorBytes(message) + 512);
        try
        {
            MessageFrame.Write(frame, carrier.Serializer, target, route, message);
        }
        catch
        {
            frame.Dispose();
            throw;
        }
        if (fixedRoute is null)
        {
            // A request from an actor of this node (a reply ref's frames are counted by the requester's node).
            carrier.CountSent(sender, frame.PayloadLength);
        }
        carrier.Send(connection, frame);
    }
}
