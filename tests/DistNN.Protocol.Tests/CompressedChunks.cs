using System.Buffers;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Messages;

namespace DistNN.Protocol.Tests;

/// <summary>Compressed chunk values as a worker makes them: encoded bytes, and the values they decode to.</summary>
internal static class CompressedChunks
{
    /// <summary>
    /// <paramref name="raw"/> encoded as <paramref name="compression"/>; <see cref="ChunkValues.Values"/> holds what the
    /// sender decodes from its own bytes (the values a server in its process would see by reference).
    /// </summary>
    public static ChunkValues Make(int chunkId, float[] raw, Compression compression)
    {
        EncodedValues encoded;
        if (compression.Encoding == TensorEncoding.TopK)
        {
            encoded = new TopKCompressor(compression.TopKFraction).Compress(chunkId, raw);
        }
        else
        {
            var codes = new byte[ValueCodec.EncodedValueBytes(compression.Encoding, raw.Length)];
            float scale = ValueCodec.EncodeDense(compression.Encoding, raw, codes);
            encoded = new EncodedValues(compression.Encoding, raw.Length, scale, default, codes);
        }
        var decoded = new float[raw.Length];
        ValueCodec.DecodeValues(encoded.Encoding, encoded.Scale, new ReadOnlySequence<byte>(encoded.Indices),
            new ReadOnlySequence<byte>(encoded.Codes), decoded);
        return new ChunkValues(chunkId, 0, decoded) { Encoded = encoded };
    }
}
