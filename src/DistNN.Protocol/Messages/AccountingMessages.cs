using MessagePack;

namespace DistNN.Protocol.Messages;

// What was applied is counted by the servers, not by the coordinator: a batch counts when every server applied it.

/// <summary>
/// Worker → coordinator instead of <see cref="BatchDone"/> when a server refused the batch's push (the reason is the
/// server's): the batch was not applied, so the coordinator gives it to a live worker again.
/// </summary>
[MessagePackObject]
public sealed record BatchRefused(
    [property: Key(0)] string Worker, [property: Key(1)] long Incarnation, [property: Key(2)] int Epoch,
    [property: Key(3)] int BatchId, [property: Key(4)] string Reason) : IDistNNMessage;

/// <summary>Coordinator → server: say which batches of the epoch you have applied (answered with <see cref="BatchesApplied"/>).</summary>
[MessagePackObject]
public sealed record ReportApplied([property: Key(0)] int Epoch) : IDistNNMessage;

/// <summary>
/// Server → coordinator: the batches of the epoch this server has applied, Samples[i] being the samples of BatchIds[i]
/// (empty when the server is in another epoch). SamplesDoubled: samples of this epoch's batches whose gradient went into
/// the server's weights more than once, counted at the update itself (0 unless the once-only filter failed).
/// </summary>
[MessagePackObject]
public sealed record BatchesApplied(
    [property: Key(0)] int Server, [property: Key(1)] int Epoch, [property: Key(2)] IReadOnlyList<int> BatchIds,
    [property: Key(3)] IReadOnlyList<int> Samples, [property: Key(4)] long SamplesDoubled = 0) : IDistNNMessage;
