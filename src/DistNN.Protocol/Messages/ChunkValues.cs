using DistNN.Protocol.Codecs;

namespace DistNN.Protocol.Messages;

/// <summary>
/// The values of one parameter chunk (weights, gradient or state) at a version. In one process the memory
/// is passed by reference: the sender must not touch it until the receiver's reply arrives. On the wire it is
/// <c>[chunkId, version, bin]</c>, the floats one little-endian bin, or, when <see cref="Encoded"/> is set (a compressed
/// gradient), <c>[chunkId, version, encoding, count, scale, indices: bin|nil, codes: bin]</c>: the encoded bytes
/// travel and the receiver decodes them (<see cref="Serialization.Formatters.ChunkValuesFormatter"/>).
/// </summary>
public sealed record ChunkValues(int ChunkId, long Version, ReadOnlyMemory<float> Values)
{
    /// <summary>
    /// The compressed form that goes on the wire instead of <see cref="Values"/>; <see cref="Values"/> must then hold
    /// exactly what it decodes to (what a receiver in the same process sees by reference). Null: dense float32.
    /// </summary>
    public EncodedValues? Encoded { get; init; }

    /// <summary>
    /// Whose arrays <see cref="Values"/> are and until when the receiver may read them; null: the message's own, the
    /// receiver keeps them. Never on the wire: a receiver on another node reads a copy.
    /// </summary>
    public Ownership.Loan? Loan { get; init; }
}
