using System.Buffers;
using System.Runtime.InteropServices;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using MessagePack;
using MessagePack.Formatters;

namespace DistNN.Protocol.Serialization.Formatters;

/// <summary>
/// <see cref="ChunkValues"/> as <c>[chunkId, version, bin]</c>: the floats are one little-endian float32 bin, copied
/// once from the span into the output and once from the input into a new array, whose length is checked against
/// <see cref="ProtocolLimits.MaxTensorElements"/> before it is allocated.
/// </summary>
public sealed class ChunkValuesFormatter : IMessagePackFormatter<ChunkValues?>
{
    private const int FieldCount = 3;

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
        writer.WriteArrayHeader(FieldCount);
        writer.Write(value.ChunkId);
        writer.Write(value.Version);
        TensorChunkCodec.WriteBin(ref writer, MemoryMarshal.AsBytes(value.Values.Span));
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
            if (fields != FieldCount)
            {
                throw Malformed($"chunk values have {FieldCount} fields, these {fields}");
            }
            int chunkId = reader.ReadInt32();
            if (chunkId < 0)
            {
                throw Malformed($"negative chunk id {chunkId}");
            }
            long version = reader.ReadInt64();
            ReadOnlySequence<byte> bin = reader.ReadBytes() ?? throw Malformed($"chunk {chunkId} has no values");
            return new ChunkValues(chunkId, version, ReadFloats(bin, chunkId, (options as ProtocolMessagePackOptions)?.ValueArrays));
        }
        finally
        {
            reader.Depth--;
        }
    }

    private float[] ReadFloats(in ReadOnlySequence<byte> bin, int chunkId, Func<int, int, float[]>? arrays)
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
        float[] values = arrays?.Invoke(chunkId, (int)count) ?? GC.AllocateUninitializedArray<float>((int)count);
        if (values.Length != count)
        {
            throw new InvalidOperationException($"the value array for chunk {chunkId} has {values.Length} floats, not {count}");
        }
        bin.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static WireProtocolException Malformed(string reason) => new(ViolationKind.Malformed, reason);
}
