using System.Buffers;
using System.Runtime.InteropServices;
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
            var topK = new TopKCompressor(compression.TopKFraction);
            TensorChunk sparse = topK.Compress(new TensorChunkHeader(0, "g", chunkId, [raw.Length]), raw);
            encoded = new EncodedValues(TensorEncoding.TopK, raw.Length, 0f,
                MemoryMarshal.AsBytes(sparse.Indices.Span).ToArray(), MemoryMarshal.AsBytes(sparse.Values.Span).ToArray());
        }
        else
        {
            var codes = new byte[TensorChunkCodec.EncodedValueBytes(compression.Encoding, raw.Length)];
            float scale = TensorChunkCodec.EncodeDense(compression.Encoding, raw, codes);
            encoded = new EncodedValues(compression.Encoding, raw.Length, scale, default, codes);
        }
        var decoded = new float[raw.Length];
        TensorChunkCodec.DecodeValues(encoded.Encoding, encoded.Scale, new ReadOnlySequence<byte>(encoded.Indices),
            new ReadOnlySequence<byte>(encoded.Codes), decoded);
        return new ChunkValues(chunkId, 0, decoded) { Encoded = encoded };
    }
}
