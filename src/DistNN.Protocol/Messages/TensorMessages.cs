using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>Ask a server for the current values of its chunks (weights and state).</summary>
[MessagePackObject]
public sealed record PullWeights([property: Key(0)] long RequestId) : IDistNNMessage;

[MessagePackObject]
public sealed record WeightsReply(
    [property: Key(0)] long RequestId, [property: Key(1)] IReadOnlyList<ChunkValues> Weights,
    [property: Key(2)] IReadOnlyList<ChunkValues> State) : IDistNNMessage;

/// <summary>
/// A worker's gradient for the chunks one server owns, for one batch. (Worker, Incarnation, Step) makes it idempotent;
/// (Epoch, BatchId) lets a server refuse a batch already applied (a stopped worker's batch handed to another).
/// Samples weights the average in sync mode. State carries non-gradient values (BatchNorm running statistics).
/// Incarnation tells a worker restarted under the same name from its previous life (see <see cref="RegisterWorker"/>).
/// A push may come in parts (Part of Parts, each with some of the chunks, sent as the backward pass finishes their
/// layers); every part repeats the push's header, and State travels in the last part. Generation: the rollback of the
/// servers the worker's weights come from (<see cref="ServersReplaced"/>); a server restored since refuses it.
/// </summary>
[MessagePackObject]
public sealed record PushGradients(
    [property: Key(0)] string Worker, [property: Key(1)] long Step, [property: Key(2)] int Epoch,
    [property: Key(3)] int BatchId, [property: Key(4)] int Samples, [property: Key(5)] double Progress,
    [property: Key(6)] IReadOnlyList<ChunkValues> Gradients, [property: Key(7)] IReadOnlyList<ChunkValues> State,
    [property: Key(8)] long Incarnation = 0, [property: Key(9)] int Part = 0, [property: Key(10)] int Parts = 1,
    [property: Key(11)] int Generation = 0) : IDistNNMessage;

/// <summary>
/// The reply to a push: the server's weights after it (push-pull in one round trip). Refused says why the server did not
/// take the push (a worker or incarnation it does not count as live, an epoch it has left); its batch is not applied
/// and the reply carries no weights. Null: taken — applied now, or its batch was applied already. Part answers the push
/// part of that index, with the weights of that part's chunks (and State with the last part's reply). Generation: the
/// server's rollback generation when it answered (a worker drops a reply of another generation than its own).
/// </summary>
[MessagePackObject]
public sealed record PushReply(
    [property: Key(0)] long Step, [property: Key(1)] bool Applied, [property: Key(2)] IReadOnlyList<ChunkValues> Weights,
    [property: Key(3)] IReadOnlyList<ChunkValues> State, [property: Key(4)] string? Refused = null,
    [property: Key(5)] int Part = 0, [property: Key(6)] int Generation = 0) : IDistNNMessage;
