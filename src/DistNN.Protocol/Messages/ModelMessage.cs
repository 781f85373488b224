using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>A model spec on the wire: the per-sample input shape, the loss and the layers, in order.</summary>
[MessagePackObject]
public sealed record ModelMessage(
    [property: Key(0)] string Name, [property: Key(1)] IReadOnlyList<int> Input, [property: Key(2)] string Loss,
    [property: Key(3)] IReadOnlyList<LayerMessage> Layers);
