using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>
/// A training plan on the wire, inside <see cref="InitServer"/>, <see cref="InitWorker"/> and
/// <see cref="InitEvaluator"/>: typed fields and sub-records (no text parsed again by the receiver), so the plan is
/// checked against the protocol version and the size limits like every other message. DistNN.Training maps it to
/// and from its <c>TrainingPlan</c> in one place.
/// </summary>
[MessagePackObject]
public sealed record PlanMessage(
    [property: Key(0)] string ModelName,
    [property: Key(1)] ModelMessage Model,
    [property: Key(2)] OptimizerMessage Optimizer,
    [property: Key(3)] ScheduleMessage Schedule,
    [property: Key(4)] float ClipNorm,
    [property: Key(5)] int Epochs,
    [property: Key(6)] int BatchSize,
    [property: Key(7)] int Seed,
    [property: Key(8)] int Threads,
    [property: Key(9)] string Dataset,
    [property: Key(10)] string DataDir,
    [property: Key(11)] AugmentationMessage Augmentation,
    [property: Key(12)] int TrainLimit,
    [property: Key(13)] ConsistencyMode Mode,
    [property: Key(14)] int Workers,
    [property: Key(15)] int Servers,
    [property: Key(16)] int Staleness,
    [property: Key(17)] TensorCarrierKind Carrier,
    [property: Key(18)] int ChunkBytes,
    [property: Key(19)] CompressionMessage Compression,
    [property: Key(20)] double DivergenceFactor,
    [property: Key(21)] OverlapMode Overlap = OverlapMode.Remote);
