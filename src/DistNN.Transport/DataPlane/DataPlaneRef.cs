using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Messages;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// An actor on a server node reached over the data plane, as an <see cref="IActorRef"/>: a Tell hands the message to the
/// node's <see cref="DataPlaneLink"/>, which writes it as one <see cref="MessageFrame"/> naming the target's path and a
/// route for the sender, so that the reply finds it, and the sender's <paramref name="credential"/>. The Tell never waits
/// for the network.
/// </summary>
internal sealed class DataPlaneRef(DataPlaneLink link, string target, ActorPath path, IActorRefProvider provider, DataPlaneCredential? credential)
    : MinimalActorRef
{
    public override ActorPath Path { get; } = path;

    public override IActorRefProvider Provider => provider;

    protected override void TellInternal(object message, IActorRef sender) => link.Send(target, sender, message, credential);
}

/// <summary>
/// The sender of a message that arrived on a data-plane connection: a reply is written back on that connection with the
/// route the request came with, its values read before the Tell returns (the requesting side resends lost requests).
/// </summary>
internal sealed class DataPlaneReplyRef(DataPlaneTransport transport, DataPlaneConnection connection, int route, ActorPath path)
    : MinimalActorRef
{
    public override ActorPath Path { get; } = path;

    public override IActorRefProvider Provider => transport.Provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        try
        {
            connection.Send(MessageFrame.Create(transport.Serializer, "", route, message));
            transport.Counters.FrameSent();
        }
        catch (InvalidOperationException e)
        {
            transport.Log.Warning("tensor data plane: a reply to {0} was dropped: {1}", connection.RemoteEndPoint, e.Message);
        }
    }
}
