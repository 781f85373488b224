using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>One layer of a <see cref="ModelMessage"/>: the fields of a model spec's layer, null where the layer has none.</summary>
[MessagePackObject]
public sealed record LayerMessage(
    [property: Key(0)] string Type,
    [property: Key(1)] string? Name = null,
    [property: Key(2)] int? Units = null,
    [property: Key(3)] string? Activation = null,
    [property: Key(4)] string? Init = null,
    [property: Key(5)] double? Rate = null,
    [property: Key(6)] int? Filters = null,
    [property: Key(7)] IReadOnlyList<int>? Kernel = null,
    [property: Key(8)] IReadOnlyList<int>? Stride = null,
    [property: Key(9)] string? Padding = null,
    [property: Key(10)] bool? ReturnSequences = null,
    [property: Key(11)] int? Bptt = null,
    [property: Key(12)] double? Momentum = null,
    [property: Key(13)] double? Epsilon = null);
