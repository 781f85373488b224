using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>A plan's learning-rate schedule; Gamma and EveryEpochs matter for Step, FinalFactor for Cosine.</summary>
[MessagePackObject]
public sealed record ScheduleMessage(
    [property: Key(0)] ScheduleKind Kind, [property: Key(1)] double Gamma = 1, [property: Key(2)] int EveryEpochs = 1,
    [property: Key(3)] double FinalFactor = 0);
