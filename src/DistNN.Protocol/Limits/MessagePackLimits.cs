using System.Buffers;
using MessagePack;

namespace DistNN.Protocol.Limits;

/// <summary>
/// Walks one MessagePack value's structure (headers only; bin and str bodies are skipped, never copied) and refuses
/// it if any length, count or depth is beyond <see cref="ProtocolLimits"/>. Run before deserializing untrusted
/// bytes, so that no formatter ever allocates for a count or length that breaks a limit.
/// </summary>
public static class MessagePackLimits
{
    /// <summary>Throws <see cref="WireProtocolException"/> unless <paramref name="bytes"/> is exactly one value within limits.</summary>
    public static void Validate(ReadOnlySequence<byte> bytes, ProtocolLimits limits)
    {
        if (bytes.Length > limits.MaxMessageBytes)
        {
            throw new WireProtocolException(ViolationKind.MessageTooLarge,
                $"message of {bytes.Length} bytes exceeds the limit of {limits.MaxMessageBytes} bytes");
        }
        var reader = new MessagePackReader(bytes);
        try
        {
            ValidateValue(ref reader, limits, depth: 0);
        }
        catch (WireProtocolException)
        {
            throw;
        }
        catch (Exception e) when (e is EndOfStreamException or MessagePackSerializationException or OverflowException
            or ArgumentException)
        {
            throw new WireProtocolException(ViolationKind.Malformed, $"not valid MessagePack: {e.Message}", e);
        }
        if (!reader.End)
        {
            throw new WireProtocolException(ViolationKind.Malformed,
                $"{bytes.Length - reader.Consumed} unexpected bytes after the message");
        }
    }

    private static void ValidateValue(ref MessagePackReader reader, ProtocolLimits limits, int depth)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Integer:
            case MessagePackType.Boolean:
            case MessagePackType.Float:
            case MessagePackType.Nil:
                reader.Skip();
                break;
            case MessagePackType.String:
                {
                    long length = reader.ReadStringSequence()?.Length ?? 0;
                    if (length > limits.MaxStringBytes)
                    {
                        throw new WireProtocolException(ViolationKind.StringTooLong,
                            $"string of {length} bytes exceeds the limit of {limits.MaxStringBytes} bytes");
                    }
                    break;
                }
            case MessagePackType.Binary:
                {
                    long length = reader.ReadBytes()?.Length ?? 0;
                    if (length > limits.MaxBinaryBytes)
                    {
                        throw new WireProtocolException(ViolationKind.TensorTooLarge,
                            $"binary of {length} bytes exceeds the limit of {limits.MaxBinaryBytes} bytes");
                    }
                    break;
                }
            case MessagePackType.Array:
                {
                    int count = reader.ReadArrayHeader();
                    CheckContainer(count, limits, depth);
                    for (int i = 0; i < count; i++)
                    {
                        ValidateValue(ref reader, limits, depth + 1);
                    }
                    break;
                }
            case MessagePackType.Map:
                {
                    int count = reader.ReadMapHeader();
                    CheckContainer(count, limits, depth);
                    for (int i = 0; i < count; i++)
                    {
                        ValidateValue(ref reader, limits, depth + 1);
                        ValidateValue(ref reader, limits, depth + 1);
                    }
                    break;
                }
            case MessagePackType.Extension:
                {
                    // Only small extensions (the timestamp) are expected; Typeless (code 100) is never resolved.
                    ExtensionHeader header = reader.ReadExtensionFormatHeader();
                    if (header.Length > limits.MaxStringBytes)
                    {
                        throw new WireProtocolException(ViolationKind.StringTooLong,
                            $"extension of {header.Length} bytes exceeds the limit of {limits.MaxStringBytes} bytes");
                    }
                    reader.ReadRaw(header.Length);
                    break;
                }
            default:
                throw new WireProtocolException(ViolationKind.Malformed,
                    $"invalid MessagePack code 0x{reader.NextCode:x2} at byte {reader.Consumed}");
        }
    }

    private static void CheckContainer(int count, ProtocolLimits limits, int depth)
    {
        if (count > limits.MaxCollectionCount)
        {
            throw new WireProtocolException(ViolationKind.CollectionTooLarge,
                $"collection of {count} elements exceeds the limit of {limits.MaxCollectionCount}");
        }
        if (depth + 1 > limits.MaxDepth)
        {
            throw new WireProtocolException(ViolationKind.TooDeep,
                $"nesting deeper than the limit of {limits.MaxDepth}");
        }
    }
}
