using System.Buffers;
using System.Buffers.Binary;
using DistNN.Protocol.Limits;

namespace DistNN.Protocol.Framing;

/// <summary>
/// One outgoing data-plane frame in a buffer rented from <see cref="ArrayPool{T}.Shared"/>: write the payload through
/// <see cref="IBufferWriter{T}"/> (e.g. <c>MessageFrame.WriteByReference(frame, serializer, target, route, message)</c>), then hand the frame to a
/// connection, which sends <see cref="Frame"/> and disposes it. Large frames (≥ 85,000 bytes) therefore come from
/// the pool, never fresh from the large-object heap.
/// </summary>
/// <para>A frame may also hold float values by reference (<see cref="AppendExternal"/>) rather than copied: a connection
/// that sends it at once writes them from where they are (<see cref="SegmentCount"/>, <see cref="Segment"/>); any other
/// use of the frame (<see cref="Frame"/>, <see cref="Payload"/>, queueing it) copies them in first
/// (<see cref="Materialize"/>).</para>
public sealed class FrameWriter : IBufferWriter<byte>, IDisposable
{
    /// <summary>u32 payload length + u8 protocol version.</summary>
    public const int HeaderBytes = 5;

    private const int MinimumCapacity = 4096;

    private byte[]? _buffer;
    private int _written = HeaderBytes;
    private List<(int At, ReadOnlyMemory<float> Values)>? _external;
    private int _externalBytes;

    public FrameWriter(int payloadSizeHint = 0)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MinimumCapacity, HeaderBytes + payloadSizeHint));
    }

    public int PayloadLength => _written - HeaderBytes + _externalBytes;

    /// <summary>The written payload (without the header).</summary>
    public ReadOnlyMemory<byte> Payload
    {
        get
        {
            Materialize();
            return Buffer.AsMemory(HeaderBytes, PayloadLength);
        }
    }

    /// <summary>The whole frame, header filled in; valid until the writer is disposed.</summary>
    public ReadOnlyMemory<byte> Frame
    {
        get
        {
            Materialize();
            WriteHeader();
            return Buffer.AsMemory(0, _written);
        }
    }

    /// <summary>True while some values are held by reference (<see cref="AppendExternal"/>).</summary>
    public bool HasExternal => _external is { Count: > 0 };

    /// <summary>
    /// Appends <paramref name="values"/> to the payload as little-endian float32 bytes, by reference: the caller must
    /// not change them until the frame is sent or <see cref="Materialize">materialized</see>. Flush any
    /// <c>MessagePackWriter</c> writing into this frame first, so the bytes stay in order.
    /// </summary>
    public void AppendExternal(ReadOnlyMemory<float> values)
    {
        if (!BitConverter.IsLittleEndian)
        {
            // The wire is little-endian; a big-endian host would have to swap, so it copies (no such host here).
            throw new PlatformNotSupportedException("values by reference need a little-endian host");
        }
        _external ??= [];
        _external.Add((_written, values));
        _externalBytes += values.Length * sizeof(float);
    }

    /// <summary>Pieces of the whole frame in order (header included): buffer, external values, buffer, …</summary>
    public int SegmentCount
    {
        get
        {
            WriteHeader();
            return 2 * (_external?.Count ?? 0) + 1;
        }
    }

    /// <summary>Piece <paramref name="index"/> of <see cref="SegmentCount"/>; valid until the writer is disposed.</summary>
    public ReadOnlySpan<byte> Segment(int index)
    {
        byte[] buffer = Buffer;
        int count = _external?.Count ?? 0;
        if (index % 2 == 1)
        {
            return System.Runtime.InteropServices.MemoryMarshal.AsBytes(_external![index / 2].Values.Span);
        }
        int from = index == 0 ? 0 : _external![index / 2 - 1].At;
        int to = index / 2 < count ? _external![index / 2].At : _written;
        return buffer.AsSpan(from, to - from);
    }

    /// <summary>Copies the values held by reference into the buffer, in place: afterwards the frame owns all its bytes.</summary>
    public void Materialize()
    {
        if (!HasExternal)
        {
            return;
        }
        byte[] buffer = Buffer;
        byte[] whole = ArrayPool<byte>.Shared.Rent(_written + _externalBytes);
        int at = 0;
        for (int i = 0; i < 2 * _external!.Count + 1; i++)
        {
            ReadOnlySpan<byte> piece = Segment(i);
            piece.CopyTo(whole.AsSpan(at));
            at += piece.Length;
        }
        _external.Clear();
        _externalBytes = 0;
        _written = at;
        _buffer = whole;
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private void WriteHeader()
    {
        byte[] buffer = Buffer;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)PayloadLength);
        buffer[4] = ProtocolVersion.Current;
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
    public void Reset()
    {
        _written = HeaderBytes;
        _external?.Clear();
        _externalBytes = 0;
    }

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
