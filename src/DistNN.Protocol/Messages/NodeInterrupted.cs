using Akka.Actor;
using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>
/// A node agent → coordinator: SIGINT/SIGTERM stopped this node, whose server or worker is <see cref="Member"/>; the node
/// leaves the cluster. A server's node ends the run as interrupted; a worker's batches go to the others (the last
/// worker's interruption ends the run as interrupted).
/// </summary>
[MessagePackObject]
public sealed record NodeInterrupted([property: Key(0)] IActorRef Member) : IDistNNMessage;
