using System.Buffers;
using System.Runtime.InteropServices;
using DistNN.Protocol.Codecs;
using DistNN.Training.Parameters;

namespace DistNN.Training.Engine;

/// <summary>
/// Compression of a worker's push (plan setting: none, fp16, int8, topk:fraction). Each gradient chunk is encoded
/// into a buffer of its own and the encoded bytes are what the push carries to a server on another node
/// (<see cref="Protocol.Messages.ChunkValues.Encoded"/>); the gradient is replaced in place by what those bytes decode
/// to, with the receiver's own decoder, so a server in the same process (by reference) and one on another node
/// (decoding the bytes) apply bit-identical gradients. Top-k keeps the unsent part as a residual per chunk and adds
/// it to the next gradient (error feedback). The buffers are allocated once per chunk and reused at every step: the
/// worker pushes again only after the replies to its last push, so the last push's bytes are no longer needed.
/// </summary>
public sealed class GradientCompressor
{
    private readonly Compression _compression;
    private readonly TopKCompressor? _topK;
    private readonly Dictionary<int, (byte[] Codes, byte[] Indices)> _buffers = [];

    private GradientCompressor(Compression compression)
    {
        _compression = compression;
        _topK = compression.Encoding == TensorEncoding.TopK ? new TopKCompressor(compression.TopKFraction) : null;
    }

    /// <summary>Encoded bytes (codes and indices) of every chunk compressed so far.</summary>
    public long BytesEncoded { get; private set; }

    /// <summary>The plan's compressor, or null for "none" (gradients then go out untouched).</summary>
    public static GradientCompressor? For(string spec)
    {
        var compression = Compression.Parse(string.IsNullOrWhiteSpace(spec) ? "none" : spec);
        return compression.Encoding == TensorEncoding.None ? null : new GradientCompressor(compression);
    }

    /// <summary>
    /// Encodes the chunk's <paramref name="gradient"/> and replaces it by what the encoding decodes to; returns the
    /// encoded form, valid until the next call for the same chunk.
    /// </summary>
    public EncodedValues Apply(ParameterChunk chunk, Memory<float> gradient)
    {
        Span<float> values = gradient.Span;
        int n = values.Length;
        EncodedValues encoded;
        if (_topK is not null)
        {
            int k = _compression.TopKCount(n);
            var (codes, indexBytes) = BuffersOf(chunk.Id, 4 * k, 4 * k);
            var header = new TensorChunkHeader(chunk.TensorIndex, chunk.TensorName, chunk.Id, [n]);
            using TensorChunk sparse = _topK.Compress(header, values);
            int sent = sparse.Indices.Length;
            MemoryMarshal.AsBytes(sparse.Indices.Span).CopyTo(indexBytes);
            MemoryMarshal.AsBytes(sparse.Values.Span).CopyTo(codes);
            encoded = new EncodedValues(TensorEncoding.TopK, n, 0f, indexBytes.AsMemory(0, 4 * sent), codes.AsMemory(0, 4 * sent));
        }
        else
        {
            int length = (int)TensorChunkCodec.EncodedValueBytes(_compression.Encoding, n);
            byte[] codes = BuffersOf(chunk.Id, length, 0).Codes;
            float scale = TensorChunkCodec.EncodeDense(_compression.Encoding, values, codes);
            encoded = new EncodedValues(_compression.Encoding, n, scale, default, codes.AsMemory(0, length));
        }
        TensorChunkCodec.DecodeValues(encoded.Encoding, encoded.Scale, new ReadOnlySequence<byte>(encoded.Indices),
            new ReadOnlySequence<byte>(encoded.Codes), values);
        BytesEncoded += encoded.Bytes;
        return encoded;
    }

    private (byte[] Codes, byte[] Indices) BuffersOf(int chunkId, int codeBytes, int indexBytes)
    {
        if (!_buffers.TryGetValue(chunkId, out var buffers) || buffers.Codes.Length < codeBytes || buffers.Indices.Length < indexBytes)
        {
            buffers = (new byte[codeBytes], new byte[indexBytes]);
            _buffers[chunkId] = buffers;
        }
        return buffers;
    }
}
