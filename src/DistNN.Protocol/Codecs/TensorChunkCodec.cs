using System.Buffers;
using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using DistNN.Protocol.Limits;
using MessagePack;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// Writes and reads a <see cref="TensorChunk"/> as one MessagePack array:
/// <c>[parameterIndex, name, offset, [shape...], encoding, scale, indices: bin|nil, values: bin]</c>.
/// The values are ONE <c>bin</c> (little-endian float32, half, sbyte, or the top-k values) written straight from
/// the span into the output buffer and read straight from the input into the destination: one copy each way,
/// no per-float MessagePack tokens. Every length is checked against <see cref="ProtocolLimits"/> before any
/// allocation; anything malformed throws <see cref="WireProtocolException"/>.
/// </summary>
public static class TensorChunkCodec
{
    private const int FieldCount = 8;
    private const int ScratchBytes = 8192;

    static TensorChunkCodec()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("the tensor wire format is little-endian; this host is not");
        }
    }

    /// <summary>Writes the chunk as one MessagePack value into <paramref name="output"/>.</summary>
    public static void Encode(IBufferWriter<byte> output, TensorChunk chunk)
    {
        var writer = new MessagePackWriter(output);
        Write(ref writer, chunk);
        writer.Flush();
    }

    public static void Write(ref MessagePackWriter writer, TensorChunk chunk)
    {
        if (chunk.IsSparse)
        {
            WriteSparse(ref writer, chunk.Header, chunk.Indices.Span, chunk.Values.Span);
        }
        else
        {
            WriteDense(ref writer, chunk.Header, chunk.Encoding, chunk.Values.Span);
        }
    }

    /// <summary>Writes a dense chunk compressed as <paramref name="encoding"/> (none, fp16 or int8).</summary>
    public static void WriteDense(ref MessagePackWriter writer, in TensorChunkHeader header, TensorEncoding encoding,
        ReadOnlySpan<float> values)
    {
        if (values.Length != header.ElementCount)
        {
            throw new ArgumentException(
                $"chunk '{header.Name}' of shape [{header.ShapeString}] needs {header.ElementCount} values, got {values.Length}");
        }
        float scale = encoding == TensorEncoding.Int8 ? Int8Quantizer.ScaleOf(values) : 0f;
        WriteHeader(ref writer, header, encoding, scale);
        writer.WriteNil();
        switch (encoding)
        {
            case TensorEncoding.None:
                WriteBin(ref writer, MemoryMarshal.AsBytes(values));
                break;
            case TensorEncoding.Fp16:
                {
                    int length = values.Length * 2;
                    writer.WriteBinHeader(length);
                    TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(writer.GetSpan(length)[..length]));
                    writer.Advance(length);
                    break;
                }
            case TensorEncoding.Int8:
                {
                    writer.WriteBinHeader(values.Length);
                    Int8Quantizer.Quantize(values, scale, MemoryMarshal.Cast<byte, sbyte>(writer.GetSpan(values.Length)));
                    writer.Advance(values.Length);
                    break;
                }
            default:
                throw new ArgumentException($"a dense chunk cannot be written as {encoding}", nameof(encoding));
        }
    }

    /// <summary>Writes a top-k chunk: ascending element indices and their values.</summary>
    public static void WriteSparse(ref MessagePackWriter writer, in TensorChunkHeader header, ReadOnlySpan<int> indices,
        ReadOnlySpan<float> values)
    {
        if (indices.Length != values.Length || indices.Length > header.ElementCount)
        {
            throw new ArgumentException(
                $"sparse chunk '{header.Name}': {indices.Length} indices, {values.Length} values, {header.ElementCount} elements");
        }
        WriteHeader(ref writer, header, TensorEncoding.TopK, 0f);
        WriteBin(ref writer, MemoryMarshal.AsBytes(indices));
        WriteBin(ref writer, MemoryMarshal.AsBytes(values));
    }

    /// <summary>One bin straight from <paramref name="bytes"/> into the output buffer: the only copy.</summary>
    internal static void WriteBin(ref MessagePackWriter writer, ReadOnlySpan<byte> bytes)
    {
        writer.WriteBinHeader(bytes.Length);
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
    }

    private static void WriteHeader(ref MessagePackWriter writer, in TensorChunkHeader header, TensorEncoding encoding,
        float scale)
    {
        writer.WriteArrayHeader(FieldCount);
        writer.Write(header.ParameterIndex);
        writer.Write(header.Name);
        writer.Write(header.Offset);
        writer.WriteArrayHeader(header.Shape.Length);
        foreach (int d in header.Shape)
        {
            writer.Write(d);
        }
        writer.Write((byte)encoding);
        writer.Write(scale);
    }

    /// <summary>Reads one chunk into a dense array rented from the shared pool (dispose the chunk to return it).</summary>
    public static TensorChunk Decode(ReadOnlySequence<byte> bytes, ProtocolLimits? limits = null)
    {
        var reader = new MessagePackReader(bytes);
        TensorChunk chunk = Read(ref reader, limits ?? ProtocolLimits.Default);
        if (!reader.End)
        {
            chunk.Dispose();
            throw new WireProtocolException(ViolationKind.Malformed, "unexpected bytes after the tensor chunk");
        }
        return chunk;
    }

    /// <summary>
    /// Reads one chunk's dense values into <paramref name="destination"/> (which must hold its element count)
    /// and returns its header; nothing is allocated beyond the name and shape.
    /// </summary>
    public static TensorChunkHeader Decode(ReadOnlySequence<byte> bytes, Span<float> destination,
        out TensorEncoding encoding, ProtocolLimits? limits = null)
    {
        var reader = new MessagePackReader(bytes);
        TensorChunkHeader header = Guarded(ref reader, limits ?? ProtocolLimits.Default, out WireInfo wire);
        if (header.ElementCount > destination.Length)
        {
            throw new WireProtocolException(ViolationKind.TensorTooLarge,
                $"chunk '{header.Name}' of {header.ElementCount} elements does not fit the destination of {destination.Length}");
        }
        ReadValues(wire, destination[..header.ElementCount]);
        if (!reader.End)
        {
            throw new WireProtocolException(ViolationKind.Malformed, "unexpected bytes after the tensor chunk");
        }
        encoding = wire.Encoding;
        return header;
    }

    /// <summary>Reads one chunk at the reader's position into a pooled dense array (the formatter's entry point).</summary>
    public static TensorChunk Read(ref MessagePackReader reader, ProtocolLimits limits)
    {
        TensorChunkHeader header = Guarded(ref reader, limits, out WireInfo wire);
        int n = header.ElementCount;
        float[] pooled = ArrayPool<float>.Shared.Rent(n);
        try
        {
            ReadValues(wire, pooled.AsSpan(0, n));
        }
        catch
        {
            ArrayPool<float>.Shared.Return(pooled);
            throw;
        }
        return TensorChunk.Pooled(header, wire.Encoding, pooled, n);
    }

    /// <summary>The encoded payload of a chunk, located but not yet copied.</summary>
    private readonly record struct WireInfo(TensorEncoding Encoding, float Scale, ReadOnlySequence<byte> Indices,
        ReadOnlySequence<byte> Values);

    private static TensorChunkHeader Guarded(ref MessagePackReader reader, ProtocolLimits limits, out WireInfo wire)
    {
        try
        {
            return ReadHeader(ref reader, limits, out wire);
        }
        catch (Exception e) when (e is EndOfStreamException or MessagePackSerializationException or OverflowException
            or ArgumentException
            or InvalidOperationException)
        {
            throw new WireProtocolException(ViolationKind.Malformed, $"malformed tensor chunk: {e.Message}", e);
        }
    }

    private static TensorChunkHeader ReadHeader(ref MessagePackReader reader, ProtocolLimits limits, out WireInfo wire)
    {
        int fields = reader.ReadArrayHeader();
        if (fields != FieldCount)
        {
            throw Malformed($"a tensor chunk has {FieldCount} fields, this one {fields}");
        }
        int parameterIndex = reader.ReadInt32();
        if (parameterIndex < 0)
        {
            throw Malformed($"negative parameter index {parameterIndex}");
        }
        string name = ReadName(ref reader, limits);
        long offset = reader.ReadInt64();
        if (offset < 0)
        {
            throw Malformed($"negative offset {offset}");
        }
        int rank = reader.ReadArrayHeader();
        if (rank > limits.MaxRank)
        {
            throw new WireProtocolException(ViolationKind.RankTooHigh,
                $"tensor '{name}' of rank {rank} exceeds the limit of {limits.MaxRank}");
        }
        var shape = new int[rank];
        long volume = 1;
        for (int i = 0; i < rank; i++)
        {
            int d = reader.ReadInt32();
            if (d < 0)
            {
                throw Malformed($"tensor '{name}' has a negative dimension {d}");
            }
            shape[i] = d;
            volume = Math.Min(volume * d, (long)int.MaxValue + 1);
        }
        if (volume > limits.MaxTensorElements)
        {
            throw new WireProtocolException(ViolationKind.TensorTooLarge,
                $"tensor '{name}' of shape [{string.Join("×", shape)}] exceeds the limit of {limits.MaxTensorElements} elements");
        }
        int n = (int)volume;
        byte code = reader.ReadByte();
        var encoding = (TensorEncoding)code;
        if (!Enum.IsDefined(encoding))
        {
            throw Malformed($"tensor '{name}' has unknown encoding {code}");
        }
        float scale = reader.ReadSingle();
        ReadOnlySequence<byte> indices = default;
        long valueBytes;
        if (encoding == TensorEncoding.TopK)
        {
            indices = reader.ReadBytes() ?? throw Malformed($"top-k tensor '{name}' has no indices");
            if (indices.Length % sizeof(int) != 0 || indices.Length / sizeof(int) > n)
            {
                throw Malformed($"top-k tensor '{name}' of {n} elements has {indices.Length} index bytes");
            }
            valueBytes = indices.Length;
        }
        else
        {
            if (!reader.TryReadNil())
            {
                throw Malformed($"dense tensor '{name}' carries indices");
            }
            valueBytes = encoding switch
            {
                TensorEncoding.None => 4L * n,
                TensorEncoding.Fp16 => 2L * n,
                _ => n,
            };
        }
        ReadOnlySequence<byte> values = reader.ReadBytes() ?? throw Malformed($"tensor '{name}' has no values");
        if (values.Length != valueBytes)
        {
            throw Malformed($"tensor '{name}' ({encoding}, {n} elements) needs {valueBytes} value bytes, got {values.Length}");
        }
        wire = new WireInfo(encoding, scale, indices, values);
        return new TensorChunkHeader(parameterIndex, name, offset, shape);
    }

    private static string ReadName(ref MessagePackReader reader, ProtocolLimits limits)
    {
        ReadOnlySequence<byte> utf8 = reader.ReadStringSequence() ?? throw Malformed("a tensor chunk needs a name");
        if (utf8.Length > limits.MaxStringBytes)
        {
            throw new WireProtocolException(ViolationKind.StringTooLong,
                $"tensor name of {utf8.Length} bytes exceeds the limit of {limits.MaxStringBytes}");
        }
        return Encoding.UTF8.GetString(utf8);
    }

    private static void ReadValues(in WireInfo wire, Span<float> destination) =>
        DecodeValues(wire.Encoding, wire.Scale, wire.Indices, wire.Values, destination);

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
