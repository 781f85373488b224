using DistNN.Protocol.Serialization;
using DistNN.Training.Actors;

namespace DistNN.Training.Tests;

/// <summary>
/// The configuration of every actor spec: DistNN's dispatchers, the protocol serializer binding, and
/// <c>serialize-messages = on</c>, so that every message of every spec crosses the serializer as it would between
/// nodes (in-process pushes and replies arrive as copies, not by reference).
/// </summary>
internal static class ActorTestConfig
{
    public static readonly string Hocon = DistNNDispatchers.Hocon + "\n" + ProtocolSerializer.Hocon + "\n" + """
        akka.actor.serialize-messages = on
        """;
}
