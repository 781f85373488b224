using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>The optimizer of a plan: its kind, learning rate, momentum (0: the kind's default) and L1/L2 penalties.</summary>
[MessagePackObject]
public sealed record OptimizerMessage(
    [property: Key(0)] OptimizerKind Kind, [property: Key(1)] float LearningRate, [property: Key(2)] float Momentum,
    [property: Key(3)] float L1, [property: Key(4)] float L2);
