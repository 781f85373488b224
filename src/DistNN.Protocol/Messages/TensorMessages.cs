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
/// A worker's gradient for the chunks one server owns, for one batch. (Worker, Step) makes it idempotent;
/// (Epoch, BatchId) lets a server refuse a batch already applied (a stopped worker's batch handed to another).
/// Samples weights the average in sync mode. State carries non-gradient values (BatchNorm running statistics).
/// </summary>
[MessagePackObject]
public sealed record PushGradients(
    [property: Key(0)] string Worker, [property: Key(1)] long Step, [property: Key(2)] int Epoch,
    [property: Key(3)] int BatchId, [property: Key(4)] int Samples, [property: Key(5)] double Progress,
    [property: Key(6)] IReadOnlyList<ChunkValues> Gradients, [property: Key(7)] IReadOnlyList<ChunkValues> State) : IDistNNMessage;

/// <summary>The reply to a push: the server's weights after it (push-pull in one round trip).</summary>
[MessagePackObject]
public sealed record PushReply(
    [property: Key(0)] long Step, [property: Key(1)] bool Applied, [property: Key(2)] IReadOnlyList<ChunkValues> Weights,
    [property: Key(3)] IReadOnlyList<ChunkValues> State) : IDistNNMessage;
