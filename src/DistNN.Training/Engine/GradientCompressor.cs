using System.Buffers;
using DistNN.Protocol.Codecs;
using DistNN.Training.Parameters;

namespace DistNN.Training.Engine;

/// <summary>
/// Compression of a worker's push (plan setting: none, fp16, int8, topk:fraction). Each gradient chunk is encoded
/// with the tensor codec exactly as it would be for the wire and decoded back in place, so the server applies
/// precisely what it would decode; top-k keeps the unsent part as a residual per chunk and adds it to the next
/// gradient (error feedback). Counts the encoded bytes.
/// </summary>
public sealed class GradientCompressor
{
    private readonly Compression _compression;
    private readonly TopKCompressor? _topK;
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);

    private GradientCompressor(Compression compression)
    {
        _compression = compression;
        _topK = compression.Encoding == TensorEncoding.TopK ? new TopKCompressor(compression.TopKFraction) : null;
    }

    /// <summary>Encoded bytes of every chunk compressed so far.</summary>
    public long BytesEncoded { get; private set; }

    /// <summary>The plan's compressor, or null for "none" (gradients then go out untouched).</summary>
    public static GradientCompressor? For(string spec)
    {
        var compression = Compression.Parse(string.IsNullOrWhiteSpace(spec) ? "none" : spec);
        return compression.Encoding == TensorEncoding.None ? null : new GradientCompressor(compression);
    }

    /// <summary>Replaces <paramref name="gradient"/> (the chunk's values) by what a server decodes from its compressed encoding; returns the bytes.</summary>
    public int Apply(ParameterChunk chunk, Memory<float> gradient)
    {
        var header = new TensorChunkHeader(chunk.TensorIndex, chunk.TensorName, chunk.Id, [chunk.Length]);
        using var encoded = _topK is not null
            ? _topK.Compress(header, gradient.Span)
            : TensorChunk.Dense(header, gradient, _compression.Encoding);
        _buffer.ResetWrittenCount();
        TensorChunkCodec.Encode(_buffer, encoded);
        TensorChunkCodec.Decode(new ReadOnlySequence<byte>(_buffer.WrittenMemory), gradient.Span, out _);
        BytesEncoded += _buffer.WrittenCount;
        return _buffer.WrittenCount;
    }
}
