namespace DistNN.Protocol.Messages;

/// <summary>Ask a server for the current values of its chunks (weights and state).</summary>
public sealed record PullWeights(long RequestId) : IDistNNMessage;

public sealed record WeightsReply(long RequestId, IReadOnlyList<ChunkValues> Weights, IReadOnlyList<ChunkValues> State) : IDistNNMessage;

/// <summary>
/// A worker's gradient for the chunks one server owns, for one batch. (Worker, Step) makes it idempotent;
/// (Epoch, BatchId) lets a server refuse a batch already applied (a stopped worker's batch handed to another).
/// Samples weights the average in sync mode. State carries non-gradient values (BatchNorm running statistics).
/// </summary>
public sealed record PushGradients(
    string Worker, long Step, int Epoch, int BatchId, int Samples, double Progress,
    IReadOnlyList<ChunkValues> Gradients, IReadOnlyList<ChunkValues> State) : IDistNNMessage;

/// <summary>The reply to a push: the server's weights after it (push-pull in one round trip).</summary>
public sealed record PushReply(long Step, bool Applied, IReadOnlyList<ChunkValues> Weights, IReadOnlyList<ChunkValues> State) : IDistNNMessage;
