using System.Buffers;
using System.Runtime.InteropServices;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Ownership;
using MessagePack;
using MessagePack.Formatters;

namespace DistNN.Protocol.Serialization.Formatters;

/// <summary>
/// <see cref="ChunkValues"/> as <c>[chunkId, version, bin]</c>: the floats are one little-endian float32 bin, copied
/// once from the span into the output and once from the input into a new array (or the receiver's reused one, where a
/// data-plane receiver may have read them from the socket already: then nothing is copied), whose
/// length is checked against <see cref="ProtocolLimits.MaxTensorElements"/> before it is allocated. A compressed chunk
/// (<see cref="ChunkValues.Encoded"/>) is <c>[chunkId, version, encoding, count, scale, indices: bin|nil, codes: bin]</c>:
/// its codes are copied once into the output, and decoded once from the input into the dense array of
/// <c>count</c> floats — the decoding is the copy. Every length is checked against the count and the encoding first.
/// </summary>
public sealed class ChunkValuesFormatter : IMessagePackFormatter<ChunkValues?>
{
    private const int FieldCount = 3;
    private const int EncodedFieldCount = 7;

    /// <summary>Smaller chunks are copied into the frame: a separate send per piece would cost more than the copy.</summary>
    private const int MinValuesByReference = 16 * 1024;

    private readonly ProtocolLimits _limits;

    public ChunkValuesFormatter(ProtocolLimits limits)
    {
        _limits = limits;
    }

    public void Serialize(ref MessagePackWriter writer, ChunkValues? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        if (value.Encoded is { } encoded)
        {
            writer.WriteArrayHeader(EncodedFieldCount);
            writer.Write(value.ChunkId);
            writer.Write(value.Version);
            writer.Write((byte)encoded.Encoding);
            writer.Write(encoded.Count);
            writer.Write(encoded.Scale);
            if (encoded.Encoding == TensorEncoding.TopK)
            {
                ValueCodec.WriteBin(ref writer, encoded.Indices.Span);
            }
            else
            {
                writer.WriteNil();
            }
            ValueCodec.WriteBin(ref writer, encoded.Codes.Span);
            return;
        }
        writer.WriteArrayHeader(FieldCount);
        writer.Write(value.ChunkId);
        writer.Write(value.Version);
        if (options is ProtocolMessagePackOptions { ValuesByReference: { } frame } && value.Values.Length >= MinValuesByReference)
        {
            // The frame's sender writes these bytes from the array itself: one copy (into the socket) instead of two.
            writer.WriteBinHeader(value.Values.Length * sizeof(float));
            writer.Flush();
            frame.AppendExternal(value.Values);
            return;
        }
        ValueCodec.WriteBin(ref writer, MemoryMarshal.AsBytes(value.Values.Span));
    }

    public ChunkValues? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }
        options.Security.DepthStep(ref reader);
        try
        {
            int fields = reader.ReadArrayHeader();
            if (fields != FieldCount && fields != EncodedFieldCount)
            {
                throw Malformed($"chunk values have {FieldCount} fields ({EncodedFieldCount} when compressed), these {fields}");
            }
            int chunkId = reader.ReadInt32();
            if (chunkId < 0)
            {
                throw Malformed($"negative chunk id {chunkId}");
            }
            long version = reader.ReadInt64();
            IValueArrays? arrays = (options as ProtocolMessagePackOptions)?.ValueArrays;
            if (fields == EncodedFieldCount)
            {
                return new ChunkValues(chunkId, version, ReadEncoded(ref reader, chunkId, arrays)) { Loan = arrays?.Loan };
            }
            ReadOnlySequence<byte> bin = reader.ReadBytes() ?? throw Malformed($"chunk {chunkId} has no values");
            return new ChunkValues(chunkId, version, ReadFloats(bin, chunkId, arrays)) { Loan = arrays?.Loan };
        }
        finally
        {
            reader.Depth--;
        }
    }

    private float[] ReadFloats(in ReadOnlySequence<byte> bin, int chunkId, IValueArrays? arrays)
    {
        if (bin.Length % sizeof(float) != 0)
        {
            throw Malformed($"chunk {chunkId} has {bin.Length} value bytes, not a whole number of float32");
        }
        long count = bin.Length / sizeof(float);
        if (count > _limits.MaxTensorElements)
        {
            throw new WireProtocolException(ViolationKind.TensorTooLarge,
                $"chunk {chunkId} of {count} floats exceeds the limit of {_limits.MaxTensorElements} elements");
        }
        if (count == 0)
        {
            return [];
        }
        float[] values = Allocate(chunkId, (int)count, arrays);
        Span<byte> target = MemoryMarshal.AsBytes(values.AsSpan());
        if (bin.IsSingleSegment && System.Runtime.CompilerServices.Unsafe.AreSame(
            ref MemoryMarshal.GetReference(bin.FirstSpan), ref MemoryMarshal.GetReference(target)))
        {
            return values; // the receiver read these bytes from the socket straight into this array
        }
        bin.CopyTo(target);
        return values;
    }

    /// <summary>Reads <c>encoding, count, scale, indices, codes</c> and decodes them into the chunk's dense array.</summary>
    private float[] ReadEncoded(ref MessagePackReader reader, int chunkId, IValueArrays? arrays)
    {
        byte code = reader.ReadByte();
        var encoding = (TensorEncoding)code;
        if (!Enum.IsDefined(encoding))
        {
            throw Malformed($"chunk {chunkId} has unknown encoding {code}");
        }
        int count = reader.ReadInt32();
        if (count < 0)
        {
            throw Malformed($"chunk {chunkId} has a negative element count {count}");
        }
        if (count > _limits.MaxTensorElements)
        {
            throw new WireProtocolException(ViolationKind.TensorTooLarge,
                $"chunk {chunkId} of {count} elements exceeds the limit of {_limits.MaxTensorElements} elements");
        }
        float scale = reader.ReadSingle();
        ReadOnlySequence<byte> indices = default;
        long codeBytes;
        if (encoding == TensorEncoding.TopK)
        {
            indices = reader.ReadBytes() ?? throw Malformed($"top-k chunk {chunkId} has no indices");
            if (indices.Length % sizeof(int) != 0 || indices.Length / sizeof(int) > count)
            {
                throw Malformed($"top-k chunk {chunkId} of {count} elements has {indices.Length} index bytes");
            }
            codeBytes = indices.Length;
        }
        else
        {
            if (!reader.TryReadNil())
            {
                throw Malformed($"{encoding} chunk {chunkId} carries indices");
            }
            codeBytes = ValueCodec.EncodedValueBytes(encoding, count);
        }
        ReadOnlySequence<byte> codes = reader.ReadBytes() ?? throw Malformed($"chunk {chunkId} has no values");
        if (codes.Length != codeBytes)
        {
            throw Malformed($"chunk {chunkId} ({encoding}, {count} elements) needs {codeBytes} value bytes, got {codes.Length}");
        }
        if (count == 0)
        {
            return [];
        }
        float[] values = Allocate(chunkId, count, arrays);
        ValueCodec.DecodeValues(encoding, scale, indices, codes, values);
        return values;
    }

    private static float[] Allocate(int chunkId, int count, IValueArrays? arrays)
    {
        float[] values = arrays?.Get(chunkId, count) ?? GC.AllocateUninitializedArray<float>(count);
        if (values.Length != count)
        {
            throw new InvalidOperationException($"the value array for chunk {chunkId} has {values.Length} floats, not {count}");
        }
        return values;
    }

    private static WireProtocolException Malformed(string reason) => new(ViolationKind.Malformed, reason);
}
