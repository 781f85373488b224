using Akka.Actor;
using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>
/// Coordinator → workers and its evaluator while a lost parameter server is replaced: the servers are now Servers (at
/// DataPlanes, as in <see cref="InitWorker"/>). Drop the queued batches and any request still out, reach the servers
/// there, and answer <see cref="Rerouted"/> with Generation; the batches come again once every server is restored.
/// </summary>
[MessagePackObject]
public sealed record ServersReplaced(
    [property: Key(0)] int Generation, [property: Key(1)] IReadOnlyList<IActorRef> Servers,
    [property: Key(2)] IReadOnlyList<string>? DataPlanes = null) : IDistNNMessage;

/// <summary>Worker (by Name) or evaluator → coordinator: it reaches the servers of <see cref="ServersReplaced"/> Generation and has nothing out.</summary>
[MessagePackObject]
public sealed record Rerouted([property: Key(0)] string Name, [property: Key(1)] int Generation) : IDistNNMessage;

/// <summary>
/// Worker or evaluator → coordinator: a request to a parameter server was lost with its connection, or not answered
/// within the deadline. The run fails with Reason, unless the coordinator replaces a lost server meanwhile. Endpoint:
/// the data plane the lost request went to ("" when none, or a deadline); Refused: connecting there was refused, so the
/// server node's process is gone (its data plane listens for as long as it lives).
/// </summary>
[MessagePackObject]
public sealed record ServerUnreachable([property: Key(0)] string Reason, [property: Key(1)] string Endpoint = "",
    [property: Key(2)] bool Refused = false) : IDistNNMessage;
