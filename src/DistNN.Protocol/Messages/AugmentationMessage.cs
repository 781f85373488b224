using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>A plan's data expansion: noise standard deviation, rotation bound in degrees, shift bound in pixels (0: off).</summary>
[MessagePackObject]
public sealed record AugmentationMessage(
    [property: Key(0)] double NoiseStd = 0, [property: Key(1)] double RotateDegrees = 0, [property: Key(2)] double ShiftPixels = 0);
