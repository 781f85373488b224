using System.Buffers;
using System.Buffers.Binary;
using DistNN.Protocol.Limits;

namespace DistNN.Protocol.Framing;

/// <summary>
/// One outgoing data-plane frame in a buffer rented from <see cref="ArrayPool{T}.Shared"/>: write the payload through
/// <see cref="IBufferWriter{T}"/> (e.g. <c>TensorChunkCodec.Encode(frame, chunk)</c>), then hand the frame to a
/// connection, which sends <see cref="Frame"/> and disposes it. Large frames (≥ 85,000 bytes) therefore come from
/// the pool, never fresh from the large-object heap.
/// </summary>
public sealed class FrameWriter : IBufferWriter<byte>, IDisposable
{
    /// <summary>u32 payload length + u8 protocol version.</summary>
    public const int HeaderBytes = 5;

    private const int MinimumCapacity = 4096;

    private byte[]? _buffer;
    private int _written = HeaderBytes;

    public FrameWriter(int payloadSizeHint = 0)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumCapacity, HeaderBytes + payloadSizeHint));
    }

    public int PayloadLength => _written - HeaderBytes;

    /// <summary>The written payload (without the header).</summary>
    public ReadOnlyMemory<byte> Payload => Buffer.AsMemory(HeaderBytes, PayloadLength);

    /// <summary>The whole frame, header filled in; valid until the writer is disposed.</summary>
    public ReadOnlyMemory<byte> Frame
    {
        get
        {
            byte[] buffer = Buffer;
            BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)PayloadLength);
            buffer[4] = ProtocolVersion.Current;
            return buffer.AsMemory(0, _written);
        }
    }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(FrameWriter));

    /// <summary>Throws unless the payload fits a peer with the same limits.</summary>
    public void CheckLimit(ProtocolLimits limits)
    {
        if (PayloadLength > limits.MaxMessageBytes)
        {
            throw new InvalidOperationException(
                $"frame payload of {PayloadLength} bytes exceeds the limit of {limits.MaxMessageBytes} bytes; send smaller chunks");
        }
    }

    public void Advance(int count)
    {
        if (count < 0 || _written + count > Buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return Buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return Buffer.AsSpan(_written);
    }

    /// <summary>Empties the payload so the writer can build another frame.</summary>
    public void Reset() => _written = HeaderBytes;

    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        byte[] buffer = Buffer;
        int needed = _written + Math.Max(sizeHint, 1);
        if (needed <= buffer.Length)
        {
            return;
        }
        // Grow geometrically so a frame built in many small writes still costs O(size) copying.
        int capacity = (int)Math.Min(Array.MaxLength, Math.Max(needed, 2L * buffer.Length));
        byte[] larger = ArrayPool<byte>.Shared.Rent(capacity);
        buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        _buffer = larger;
    }
}
