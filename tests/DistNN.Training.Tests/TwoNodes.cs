using Akka.Actor;
using Akka.Configuration;
using DistNN.Protocol.Messages;
using DistNN.Training.Configuration;

namespace DistNN.Training.Tests;

/// <summary>
/// Two ActorSystems in this process joined by Akka.Remote on 127.0.0.1 (ports picked by the OS): A runs the tensor
/// data plane (a parameter-server node), B does not (a worker node). Both have the actor specs' configuration.
/// </summary>
internal sealed class TwoNodes : IAsyncDisposable
{
    private static readonly Config Remote = DistNNReference.Values(
        ("akka.actor.provider", "remote"), ("akka.remote.dot-netty.tcp.hostname", "127.0.0.1"), ("akka.remote.dot-netty.tcp.port", "0"));

    /// <param name="a">Settings of A over the defaults, or null.</param>
    /// <param name="b">Settings of B over the defaults, or null.</param>
    public TwoNodes(Config? a = null, Config? b = null)
    {
        A = ActorSystem.Create("a", ActorTestConfig.With((a ?? Config.Empty).WithFallback(DataPlaneSettings.On("127.0.0.1", 0, null)).WithFallback(Remote)));
        B = ActorSystem.Create("b", ActorTestConfig.With((b ?? Config.Empty).WithFallback(Remote)));
    }

    public ActorSystem A { get; }

    public ActorSystem B { get; }

    /// <summary>A run key for servers in A (their <see cref="InitServer"/>), as a coordinator makes one.</summary>
    public byte[] Key { get; } = DataPlaneCredential.NewKey();

    /// <summary>The data-plane credential of <paramref name="name"/> under <see cref="Key"/>.</summary>
    public DataPlaneCredential Credential(string name) => DataPlaneCredential.Issue(Key, name);

    /// <summary>The actor /user/<paramref name="name"/> of A as B reaches it (over Akka.Remote).</summary>
    public IActorRef OfAFromB(string name) =>
        ((ExtendedActorSystem)B).Provider.ResolveActorRef(new RootActorPath(((ExtendedActorSystem)A).Provider.DefaultAddress) / "user" / name);

    public async ValueTask DisposeAsync()
    {
        await B.Terminate();
        await A.Terminate();
    }
}
