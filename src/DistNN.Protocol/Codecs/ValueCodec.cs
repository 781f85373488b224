using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DistNN.Protocol.Limits;
using MessagePack;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// The encodings of a chunk's values (<see cref="TensorEncoding"/>: float32, fp16, int8 with one scale, top-k indices
/// and values), as <see cref="Serialization.Formatters.ChunkValuesFormatter"/> writes and reads them: encode on the
/// sender, decode into the receiver's dense array. The values are little-endian on the wire.
/// </summary>
public static class ValueCodec
{
    private const int ScratchBytes = 8192;

    static ValueCodec()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the tensor wire format is little-endian; this host is not");
        }
    }

    /// <summary>One bin straight from <paramref name="bytes"/> into the output buffer: the only copy.</summary>
    internal static void WriteBin(ref MessagePackWriter writer, ReadOnlySpan<byte> bytes)
    {
        writer.WriteBinHeader(bytes.Length);
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }

    /// <summary>
    /// Bytes of the encoded values of <paramref name="count"/> elements (for top-k: of <paramref name="count"/> sent
    /// values, the indices not included).
    /// </summary>
    public static long EncodedValueBytes(TensorEncoding encoding, long count) => encoding switch
    {
        TensorEncoding.None or TensorEncoding.TopK => 4L * count,
        TensorEncoding.Fp16 => 2L * count,
        TensorEncoding.Int8 => count,
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "unknown tensor encoding"),
    };

    /// <summary>
    /// Encodes dense <paramref name="values"/> as <paramref name="encoding"/> (none, fp16 or int8) into
    /// <paramref name="destination"/> (<see cref="EncodedValueBytes"/> long) and returns the scale (int8; else 0).
    /// </summary>
    public static float EncodeDense(TensorEncoding encoding, ReadOnlySpan<float> values, Span<byte> destination)
    {
        int length = (int)EncodedValueBytes(encoding, values.Length);
        destination = destination[..length];
        switch (encoding)
        {
            case TensorEncoding.None:
                MemoryMarshal.AsBytes(values).CopyTo(destination);
                return 0f;
            case TensorEncoding.Fp16:
                TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(destination));
                return 0f;
            case TensorEncoding.Int8:
                {
                    float scale = Int8Quantizer.ScaleOf(values);
                    Int8Quantizer.Quantize(values, scale, MemoryMarshal.Cast<byte, sbyte>(destination));
                    return scale;
                }
            default:
                throw new ArgumentException($"dense values cannot be encoded as {encoding}", nameof(encoding));
        }
    }

    /// <summary>
    /// Decodes encoded values into the dense <paramref name="destination"/>, the one copy on the receiving side. The
    /// caller has checked the lengths (<see cref="EncodedValueBytes"/>); top-k indices are checked here (ascending,
    /// within <paramref name="destination"/>), so a hostile index can neither write out of bounds nor overwrite a value.
    /// The sender decodes with this same method, so both ends hold bit-identical values.
    /// </summary>
    public static void DecodeValues(TensorEncoding encoding, float scale, in ReadOnlySequence<byte> indices,
        in ReadOnlySequence<byte> values, Span<float> destination)
    {
        switch (encoding)
        {
            case TensorEncoding.None:
                values.CopyTo(MemoryMarshal.AsBytes(destination));
                break;
            case TensorEncoding.Fp16:
                ForEachBlock(values, sizeof(short), destination, static (block, dst, _) =>
                    TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(block), dst), 0f);
                break;
            case TensorEncoding.Int8:
                ForEachBlock(values, sizeof(sbyte), destination, static (block, dst, s) =>
                    Int8Quantizer.Dequantize(block, s, dst), scale);
                break;
            case TensorEncoding.TopK:
                ReadSparse(indices, values, destination);
                break;
            default:
                throw Malformed($"unknown tensor encoding {(byte)encoding}");
        }
    }

    private delegate void BlockDecoder(ReadOnlySpan<byte> block, Span<float> destination, float scale);

    /// <summary>Decodes a possibly segmented bin: in place when contiguous, else through a small stack block.</summary>
    private static void ForEachBlock(in ReadOnlySequence<byte> bytes, int elementSize, Span<float> destination,
        BlockDecoder decode, float scale)
    {
        if (bytes.IsSingleSegment)
        {
            decode(bytes.FirstSpan, destination, scale);
            return;
        }
        Span<byte> scratch = stackalloc byte[ScratchBytes];
        var sequence = new SequenceReader<byte>(bytes);
        int element = 0;
        while (!sequence.End)
        {
            int take = (int)Math.Min(ScratchBytes, sequence.Remaining);
            Span<byte> block = scratch[..take];
            sequence.TryCopyTo(block);
            sequence.Advance(take);
            int count = take / elementSize;
            decode(block, destination.Slice(element, count), scale);
            element += count;
        }
    }

    private static void ReadSparse(in ReadOnlySequence<byte> indexBytes, in ReadOnlySequence<byte> valueBytes, Span<float> destination)
    {
        destination.Clear();
        var indices = new SequenceReader<byte>(indexBytes);
        var values = new SequenceReader<byte>(valueBytes);
        int previous = -1;
        while (indices.TryReadLittleEndian(out int index))
        {
            values.TryReadLittleEndian(out int bits);
            // Ascending and in range: a hostile index can neither write out of bounds nor overwrite a sent value.
            if (index <= previous || index >= destination.Length)
            {
                throw Malformed($"top-k index {index} after {previous} is out of order or beyond {destination.Length} elements");
            }
            destination[index] = BitConverter.Int32BitsToSingle(bits);
            previous = index;
        }
    }

    private static WireProtocolException Malformed(string reason) => new(ViolationKind.Malformed, reason);
}
