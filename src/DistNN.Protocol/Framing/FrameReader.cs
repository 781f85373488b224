using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using DistNN.Protocol.Limits;

namespace DistNN.Protocol.Framing;

/// <summary>
/// Cuts data-plane frames <c>[u32 payload length, little-endian][u8 protocol version][payload]</c> out of a byte
/// stream. The version and the declared length are checked as soon as the five header bytes arrive, before the
/// payload is awaited or buffered, so a wrong peer is refused at once and a huge length never makes us buffer it.
/// </summary>
public static class FrameReader
{
    /// <summary>
    /// Takes one complete frame from the front of <paramref name="buffer"/>: true with its payload (a slice of the
    /// buffer) and the buffer advanced past it; false if the frame is still incomplete. Throws
    /// <see cref="WireProtocolException"/> for another protocol version or a length beyond the limit.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, ProtocolLimits limits,
        out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < FrameWriter.HeaderBytes)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[FrameWriter.HeaderBytes];
        buffer.Slice(0, FrameWriter.HeaderBytes).CopyTo(header);
        uint length = PayloadLength(header, limits);
        long frameBytes = FrameWriter.HeaderBytes + (long)length;
        if (buffer.Length < frameBytes)
        {
            return false;
        }
        payload = buffer.Slice(FrameWriter.HeaderBytes, length);
        buffer = buffer.Slice(frameBytes);
        return true;
    }

    /// <summary>
    /// The payload length a frame's five header bytes declare. Throws <see cref="WireProtocolException"/> for another
    /// protocol version or a length beyond the limit.
    /// </summary>
    public static uint PayloadLength(ReadOnlySpan<byte> header, ProtocolLimits limits)
    {
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        byte version = header[4];
        if (version != ProtocolVersion.Current)
        {
            throw new WireProtocolException(ViolationKind.VersionMismatch,
                $"the peer sent a frame of protocol version {version}, this node speaks {ProtocolVersion.Current}: "
                + "run the same DistNN version on every node");
        }
        if (length > (uint)limits.MaxMessageBytes)
        {
            throw new WireProtocolException(ViolationKind.MessageTooLarge,
                $"frame of {length} bytes exceeds the limit of {limits.MaxMessageBytes} bytes");
        }
        return length;
    }

    /// <summary>
    /// Reads frames from <paramref name="reader"/> until it completes, calling <paramref name="onFrame"/> with each
    /// payload (valid only during the call). Returns the number of unconsumed bytes left at the end (0 after a clean
    /// close between frames); throws <see cref="WireProtocolException"/> on a bad frame header.
    /// </summary>
    public static async Task<long> ReadAllAsync(PipeReader reader, ProtocolLimits limits,
        Action<ReadOnlySequence<byte>> onFrame, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            try
            {
                while (TryReadFrame(ref buffer, limits, out ReadOnlySequence<byte> payload))
                {
                    onFrame(payload);
                }
            }
            finally
            {
                // Consumed up to the last whole frame; examined everything, so the next read waits for more bytes.
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                return buffer.Length;
            }
        }
    }
}
