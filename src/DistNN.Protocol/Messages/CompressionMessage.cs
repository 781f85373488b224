using DistNN.Protocol.Codecs;
using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>A plan's gradient compression: the encoding, and for top-k the fraction of each chunk sent.</summary>
[MessagePackObject]
public sealed record CompressionMessage([property: Key(0)] TensorEncoding Encoding, [property: Key(1)] double TopKFraction = 0);
