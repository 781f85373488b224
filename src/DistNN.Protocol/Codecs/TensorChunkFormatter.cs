using DistNN.Protocol.Limits;
using MessagePack;
using MessagePack.Formatters;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// Lets <see cref="TensorChunk"/> appear as a field of any <c>[MessagePackObject]</c> contract, in the same layout as
/// <see cref="TensorChunkCodec"/> writes on the data plane. Deserialized chunks are dense and pooled.
/// </summary>
public sealed class TensorChunkFormatter : IMessagePackFormatter<TensorChunk?>
{
    private readonly ProtocolLimits _limits;

    public TensorChunkFormatter(ProtocolLimits limits)
    {
        _limits = limits;
    }

    public void Serialize(ref MessagePackWriter writer, TensorChunk? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }
        TensorChunkCodec.Write(ref writer, value);
    }

    public TensorChunk? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }
        options.Security.DepthStep(ref reader);
        try
        {
            return TensorChunkCodec.Read(ref reader, _limits);
        }
        finally
        {
            reader.Depth--;
        }
    }
}
