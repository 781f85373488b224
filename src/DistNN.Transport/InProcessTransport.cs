using Akka.Actor;

namespace DistNN.Transport;

/// <summary>
/// The server's own ref: messages by reference in this ActorSystem (and whole messages over Akka.Remote for a server
/// elsewhere, the plan's carrier <c>local</c>).
/// </summary>
public sealed class InProcessTransport : ITensorTransport
{
    public static InProcessTransport Instance { get; } = new();

    public IActorRef To(IActorRef server, string endpoint) => server;
}
