using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using DistNN.Protocol.Serialization;
using DistNN.Training.Configuration;

namespace DistNN.Training.Tests;

/// <summary>
/// The configuration of every actor spec: reference.conf (DistNN's dispatchers), the protocol serializer binding, and
/// <c>serialize-messages = on</c>, so that every message of every spec crosses the serializer as it would between
/// nodes (in-process pushes and replies arrive as copies, not by reference).
/// </summary>
internal static class ActorTestConfig
{
    public static readonly Config Config = DistNNReference.Values(("akka.actor.serialize-messages", "on")).WithFallback(DistNNReference.Config);

    public static ActorSystemSetup Setup => With(Config.Empty);

    /// <summary>The specs' setup with <paramref name="overrides"/> above their configuration.</summary>
    public static ActorSystemSetup With(Config overrides) =>
        BootstrapSetup.Create().WithConfig(overrides.WithFallback(Config)).And(ProtocolSerializer.Setup);
}
