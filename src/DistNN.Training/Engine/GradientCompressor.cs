using System.Buffers;
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
    private readonly Dictionary<int, byte[]> _buffers = [];

    private GradientCompressor(Compression compression)
    {
        _compression = compression;
        _topK = compression.Encoding == TensorEncoding.TopK ? new TopKCompressor(compression.TopKFraction) : null;
    }

    /// <summary>Encoded bytes (codes and indices) of every chunk compressed so far.</summary>
    public long BytesEncoded { get; private set; }

    /// <summary>The plan's compressor, or null for "none" (gradients then go out untouched).</summary>
    public static GradientCompressor? For(Compression compression)
    {
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
            encoded = _topK.Compress(chunk.Id, values);
        }
        else
        {
            int length = (int)ValueCodec.EncodedValueBytes(_compression.Encoding, n);
            byte[] codes = BufferOf(chunk.Id, length);
            float scale = ValueCodec.EncodeDense(_compression.Encoding, values, codes);
            encoded = new EncodedValues(_compression.Encoding, n, scale, default, codes.AsMemory(0, length));
        }
        ValueCodec.DecodeValues(encoded.Encoding, encoded.Scale, new ReadOnlySequence<byte>(encoded.Indices),
            new ReadOnlySequence<byte>(encoded.Codes), values);
        BytesEncoded += encoded.Bytes;
        return encoded;
    }

    private byte[] BufferOf(int chunkId, int codeBytes)
    {
        if (!_buffers.TryGetValue(chunkId, out byte[]? codes) || codes.Length < codeBytes)
        {
            codes = new byte[codeBytes];
            _buffers[chunkId] = codes;
        }
        return codes;
    }
}
