using System.Buffers;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using MessagePack;

namespace DistNN.Protocol.Framing;

/// <summary>
/// A protocol message as the payload of a data-plane frame:
/// <c>[manifest, target, replyTo, [name, mac] | nil, [protocolVersion, message]]</c>.
/// Target is the path (without address) of the actor on the receiving node that gets the message, empty for a reply;
/// ReplyTo is a number the sending node chose for the actor that gets the replies, and which a reply carries back; the
/// fourth field is the sender's <see cref="DataPlaneCredential"/> (nil on a reply).
/// The message is written by <see cref="ProtocolSerializer.Write"/> straight into the (pooled) frame, so a tensor
/// is copied once from its span into the frame, and read back with every limit check of the serializer.
/// </summary>
public static class MessageFrame
{
    private const int FieldCount = 5;

    public static void Write(IBufferWriter<byte> output, ProtocolSerializer serializer, string target, int replyTo, object message,
        DataPlaneCredential? credential = null)
    {
        WriteHeader(output, serializer, target, replyTo, message, credential);
        serializer.Write(output, message);
    }

    /// <summary>
    /// A new pooled frame holding <paramref name="message"/> with its large chunk values by reference
    /// (<see cref="WriteByReference"/>); whoever sends it reads those values before the send returns.
    /// </summary>
    public static FrameWriter Create(ProtocolSerializer serializer, string target, int replyTo, object message,
        DataPlaneCredential? credential = null)
    {
        var frame = new FrameWriter(SizeHint(message));
        try
        {
            WriteByReference(frame, serializer, target, replyTo, message, credential);
            return frame;
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Write"/> with large chunk values held by reference (<see cref="ProtocolSerializer.WriteByReference"/>):
    /// the frame's sender writes them from their arrays, or copies them in before it queues the frame.
    /// </summary>
    public static void WriteByReference(FrameWriter frame, ProtocolSerializer serializer, string target, int replyTo, object message,
        DataPlaneCredential? credential = null)
    {
        WriteHeader(frame, serializer, target, replyTo, message, credential);
        serializer.WriteByReference(frame, message);
    }

    /// <summary>Bytes of tensor values in a message (a frame's first size, so that it rarely grows).</summary>
    public static int SizeHint(object message)
    {
        static long Sum(IReadOnlyList<ChunkValues> values)
        {
            long total = 0;
            foreach (var v in values)
            {
                total += (v.Encoded?.Bytes ?? v.Values.Length * sizeof(float)) + 32;
            }
            return total;
        }
        long bytes = message switch
        {
            PushGradients p => Sum(p.Gradients) + Sum(p.State),
            PushReply r => Sum(r.Weights) + Sum(r.State),
            WeightsReply w => Sum(w.Weights) + Sum(w.State),
            _ => 0,
        };
        return (int)Math.Min(bytes + 512, int.MaxValue / 2);
    }

    /// <summary>Pushes and replies: the messages whose chunk values a receiver reads into its reused arrays.</summary>
    public static bool IsTensorMessage(string manifest) =>
        manifest is "distnn.push-gradients" or "distnn.push-reply" or "distnn.weights-reply";

    private static void WriteHeader(IBufferWriter<byte> output, ProtocolSerializer serializer, string target, int replyTo, object message,
        DataPlaneCredential? credential)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(FieldCount);
        writer.Write(serializer.Manifest(message));
        writer.Write(target);
        writer.Write(replyTo);
        if (credential is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.WriteArrayHeader(2);
            writer.Write(credential.Name);
            writer.Write(credential.Mac);
        }
        writer.Flush();
    }

    /// <summary>Reads a frame's payload (chunk values into <paramref name="valueArrays"/>' arrays if given); throws
    /// <see cref="WireProtocolException"/> when it is malformed or breaks a limit.</summary>
    public static (string Target, int ReplyTo, object Message) Read(ReadOnlySequence<byte> payload, ProtocolSerializer serializer,
        ProtocolLimits limits, Ownership.IValueArrays? valueArrays = null)
    {
        var header = ReadHeader(payload, limits);
        return (header.Target, header.ReplyTo, serializer.Read(header.Message, header.Manifest, valueArrays));
    }

    /// <summary>The frame's manifest, target, route and credential, and the bytes of the message (read them with the serializer).</summary>
    public static (string Manifest, string Target, int ReplyTo, DataPlaneCredential? Credential, ReadOnlySequence<byte> Message) ReadHeader(
        ReadOnlySequence<byte> payload, ProtocolLimits limits)
    {
        try
        {
            var reader = new MessagePackReader(payload);
            if (reader.ReadArrayHeader() != FieldCount)
            {
                throw new WireProtocolException(ViolationKind.Malformed, "a message frame is [manifest, target, replyTo, credential, message]");
            }
            string manifest = ReadString(ref reader, limits);
            string target = ReadString(ref reader, limits);
            int replyTo = reader.ReadInt32();
            DataPlaneCredential? credential = null;
            if (!reader.TryReadNil())
            {
                if (reader.ReadArrayHeader() != 2)
                {
                    throw new WireProtocolException(ViolationKind.Malformed, "a message frame's credential is [name, mac]");
                }
                string name = ReadString(ref reader, limits);
                ReadOnlySequence<byte> mac = reader.ReadBytes() ?? throw new WireProtocolException(ViolationKind.Malformed,
                    "a message frame's credential mac is bytes");
                if (mac.Length > 64)
                {
                    throw new WireProtocolException(ViolationKind.Malformed, $"a message frame's credential mac of {mac.Length} bytes is too long");
                }
                credential = new DataPlaneCredential(name, mac.ToArray());
            }
            return (manifest, target, replyTo, credential, payload.Slice(reader.Position));
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException
            or InvalidOperationException)
        {
            throw new WireProtocolException(ViolationKind.Malformed, $"malformed message frame: {e.Message}", e);
        }
    }

    private static string ReadString(ref MessagePackReader reader, ProtocolLimits limits)
    {
        ReadOnlySequence<byte> utf8 = reader.ReadStringSequence() ?? throw new WireProtocolException(ViolationKind.Malformed,
            "a message frame's manifest and target are strings");
        if (utf8.Length > limits.MaxStringBytes)
        {
            throw new WireProtocolException(ViolationKind.StringTooLong,
                $"string of {utf8.Length} bytes in a message frame exceeds the limit of {limits.MaxStringBytes} bytes");
        }
        return System.Text.Encoding.UTF8.GetString(utf8.IsSingleSegment ? utf8.FirstSpan : utf8.ToArray());
    }
}
