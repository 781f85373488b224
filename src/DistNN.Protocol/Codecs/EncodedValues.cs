namespace DistNN.Protocol.Codecs;

/// <summary>
/// A chunk's values as they travel compressed: <paramref name="Count"/> dense elements encoded as
/// <paramref name="Encoding"/> — fp16 or int8 codes (with the int8 <paramref name="Scale"/>), or for top-k the sent
/// values' ascending element <paramref name="Indices"/> (int32, little-endian) and their float32 values. The bytes
/// belong to the sender (a worker's <c>GradientCompressor</c> reuses them at its next step), so they are valid until
/// the reply to the message that carries them.
/// </summary>
public sealed record EncodedValues(TensorEncoding Encoding, int Count, float Scale, ReadOnlyMemory<byte> Indices,
    ReadOnlyMemory<byte> Codes)
{
    /// <summary>Bytes of codes and indices (what the values take on the wire, without the MessagePack headers).</summary>
    public int Bytes => Codes.Length + Indices.Length;
}
