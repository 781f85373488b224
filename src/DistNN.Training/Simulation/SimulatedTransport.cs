using Akka.Actor;
using DistNN.Transport;

namespace DistNN.Training.Simulation;

/// <summary>The simulated cluster's carrier: every server is reached through a <see cref="SimulatedLink"/>.</summary>
internal sealed class SimulatedTransport(ClusterSimulation simulation) : ITensorTransport
{
    public IActorRef To(IActorRef server, string endpoint, DistNN.Protocol.Messages.DataPlaneCredential? credential = null) => new SimulatedLink(simulation, server);
}

/// <summary>
/// A server as a worker (or the evaluator) of the simulated cluster reaches it: each message crosses the simulated
/// network and waits for the server's processing time, then takes the in-process path (so a reply's loans are honoured
/// as in one process); the server's replies come back through a <see cref="SimulatedReply"/>.
/// </summary>
internal sealed class SimulatedLink(ClusterSimulation simulation, IActorRef server) : MinimalActorRef
{
    private readonly IActorRef _inProcess = InProcessTransport.Instance.To(server, "");
    private readonly Dictionary<IActorRef, SimulatedReply> _replies = [];
    private readonly string _target = server.Path.ToStringWithoutAddress();

    public override ActorPath Path => server.Path;

    public override IActorRefProvider Provider => ((IInternalActorRef)server).Provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        IActorRef replyTo = sender;
        if (sender is not null && !sender.IsNobody())
        {
            if (!_replies.TryGetValue(sender, out var reply))
            {
                reply = new SimulatedReply(simulation, sender, server);
                _replies[sender] = reply;
            }
            replyTo = reply;
        }
        simulation.ToServer(message, sender, server, _target, () => _inProcess.Tell(message, replyTo));
    }
}

/// <summary>A server's reply on its way back to <paramref name="requester"/> over the simulated network.</summary>
internal sealed class SimulatedReply(ClusterSimulation simulation, IActorRef requester, IActorRef server) : MinimalActorRef
{
    public override ActorPath Path => requester.Path;

    public override IActorRefProvider Provider => ((IInternalActorRef)requester).Provider;

    protected override void TellInternal(object message, IActorRef sender) =>
        simulation.FromServer(message, server, requester, () => requester.Tell(message, sender));
}
