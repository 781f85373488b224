using System.Buffers;
using System.Runtime.InteropServices;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Ownership;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// Cuts frames out of a connection's byte stream, reading each large chunk bin straight from the socket into the array
/// that will hold its values (<see cref="FramePlacement"/>): the kernel's copy is the only one. Everything else of a
/// frame goes into one buffer per connection, grown to the largest frame; the payload handed on is that buffer with the
/// placed arrays spliced in where their bins were, byte for byte the frame that was sent, so the serializer reads and
/// checks it as before and finds each bin already in its array. The frame header is checked
/// (<see cref="FrameReader.PayloadLength"/>) before the buffer grows for a frame. One thread at a time.
/// </summary>
internal sealed class FrameReceiver(Func<Memory<byte>, int> receive, ProtocolLimits limits, Func<ReadOnlySequence<byte>, IValueArrays?>? placement,
    int initialBytes)
{
    /// <summary>Frames smaller than this are not scanned for bins (their values are a small copy).</summary>
    private const int MinPlacedFrameBytes = 256 * 1024;

    /// <summary>Bins at least this large are placed (the size the sender writes by reference).</summary>
    private const int MinPlacedBinBytes = 64 * 1024;

    /// <summary>A read takes at most this much beyond what is needed, so little of a bin lands in the buffer before it is found.</summary>
    private const int ScanReadBytes = 16 * 1024;

    private readonly List<(int Offset, float[] Array)> _placed = [];
    private byte[] _buffer = new byte[Math.Max(FrameWriter.HeaderBytes, initialBytes)];
    private int _start;
    private int _filled;
    private long _bytesPlaced;

    /// <summary>Value bytes read from the socket straight into their arrays.</summary>
    public long BytesPlaced => Interlocked.Read(ref _bytesPlaced);

    /// <summary>Bytes received that belong to no complete frame yet (a peer that closes now closes mid-frame).</summary>
    public int Unread => _filled - _start;

    /// <summary>
    /// Receives the next frame and hands its payload (valid during the call) and the arrays its bins were placed in to
    /// <paramref name="deliver"/>; false when the peer closed the stream.
    /// </summary>
    public bool ReceiveFrame(Action<ReadOnlySequence<byte>, IValueArrays?> deliver)
    {
        // Reads stop a little past what is needed, so that the next frame's values are not read into the buffer early.
        if (!Fill(FrameWriter.HeaderBytes, FrameWriter.HeaderBytes + ScanReadBytes))
        {
            return false;
        }
        int length = (int)FrameReader.PayloadLength(_buffer.AsSpan(_start, FrameWriter.HeaderBytes), limits);
        int inBuffer = length; // the payload bytes that stay in the buffer (the placed bins are taken out)
        IValueArrays? arrays = null;
        _placed.Clear();
        if (placement is not null && length >= MinPlacedFrameBytes)
        {
            var scanner = new ValueBinScanner(MinPlacedBinBytes);
            bool scanning = true;
            while (scanning)
            {
                int available = Math.Min(_filled - _start - FrameWriter.HeaderBytes, inBuffer);
                var payload = _buffer.AsSpan(_start + FrameWriter.HeaderBytes, available);
                switch (scanner.Next(payload))
                {
                    case ValueBinScan.Found:
                        int at = scanner.Position;
                        int bin = scanner.BinBytes;
                        int have = available - at;
                        if (have >= bin || bin % sizeof(float) != 0 || bin / sizeof(float) > limits.MaxTensorElements)
                        {
                            scanner.SkipBin(); // here already, or malformed: the serializer copies or refuses it
                            break;
                        }
                        arrays ??= placement(new ReadOnlySequence<byte>(_buffer, _start + FrameWriter.HeaderBytes, at));
                        float[]? target = arrays?.Get(scanner.ChunkId, bin / sizeof(float));
                        if (target is null || target.Length != bin / sizeof(float))
                        {
                            scanning = false; // not placed (refused, or not a tensor message): the frame is read whole
                            break;
                        }
                        Span<byte> bytes = MemoryMarshal.AsBytes(target.AsSpan());
                        payload.Slice(at, have).CopyTo(bytes);
                        _filled = _start + FrameWriter.HeaderBytes + at;
                        ReceiveInto(target, have);
                        Interlocked.Add(ref _bytesPlaced, bin - have);
                        _placed.Add((at, target));
                        inBuffer -= bin;
                        scanner.BinRemoved();
                        break;
                    case ValueBinScan.NeedMore when available < inBuffer:
                        long upTo = Math.Max(available, scanner.Needed) + ScanReadBytes;
                        if (!Fill(FrameWriter.HeaderBytes + available + 1, FrameWriter.HeaderBytes + (int)Math.Min(inBuffer, upTo)))
                        {
                            throw new EndOfStreamException($"a frame of {length} bytes ended early");
                        }
                        break;
                    default:
                        scanning = false;
                        break;
                }
            }
        }
        if (!Fill(FrameWriter.HeaderBytes + inBuffer, FrameWriter.HeaderBytes + inBuffer + ScanReadBytes))
        {
            throw new EndOfStreamException($"a frame of {length} bytes ended early");
        }
        int payloadStart = _start + FrameWriter.HeaderBytes;
        _start = payloadStart + inBuffer;
        deliver(_placed.Count == 0 ? new ReadOnlySequence<byte>(_buffer, payloadStart, inBuffer) : Spliced(payloadStart, inBuffer), arrays);
        return true;
    }

    /// <summary>The payload: the buffer's bytes with each placed array's bytes where its bin was.</summary>
    private ReadOnlySequence<byte> Spliced(int payloadStart, int inBuffer)
    {
        PayloadSegment? first = null;
        PayloadSegment? last = null;
        int from = 0;
        void Add(ReadOnlyMemory<byte> memory)
        {
            if (memory.IsEmpty)
            {
                return;
            }
            var segment = new PayloadSegment(memory, last is null ? 0 : last.RunningIndex + last.Memory.Length);
            first ??= segment;
            last?.SetNext(segment);
            last = segment;
        }
        foreach (var (offset, array) in _placed)
        {
            Add(_buffer.AsMemory(payloadStart + from, offset - from));
            Add(new FloatBytes(array).Memory);
            from = offset;
        }
        Add(_buffer.AsMemory(payloadStart + from, inBuffer - from));
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>Receives the rest of <paramref name="array"/>'s bytes, from byte <paramref name="done"/> on.</summary>
    private void ReceiveInto(float[] array, int done)
    {
        var memory = new FloatBytes(array).Memory;
        int total = memory.Length;
        while (done < total)
        {
            int received = receive(memory[done..total]);
            if (received == 0)
            {
                throw new EndOfStreamException($"a chunk's {total} value bytes ended after {done}");
            }
            done += received;
        }
    }

    /// <summary>
    /// Makes the buffer hold at least <paramref name="bytes"/> bytes from <c>_start</c>, reading (each read at most up
    /// to <paramref name="upTo"/> bytes from <c>_start</c>); false if the stream ended first.
    /// </summary>
    private bool Fill(int bytes, int upTo)
    {
        if (_buffer.Length - _start < bytes)
        {
            if (_buffer.Length < bytes)
            {
                // Room for what the read may take (at most the frame and a little), and at least double, so that a frame
                // scanned in steps does not copy the buffer at each.
                var larger = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, Math.Max((long)upTo, 2L * _buffer.Length)));
                Buffer.BlockCopy(_buffer, _start, larger, 0, _filled - _start);
                _buffer = larger;
            }
            else
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _filled - _start);
            }
            _filled -= _start;
            _start = 0;
        }
        else if (_start == _filled)
        {
            _start = _filled = 0;
        }
        while (_filled - _start < bytes)
        {
            int room = (int)Math.Min(_buffer.Length - _filled, Math.Max(0L, (long)_start + upTo - _filled));
            int received = receive(_buffer.AsMemory(_filled, Math.Max(room, _start + bytes - _filled)));
            if (received == 0)
            {
                return false;
            }
            _filled += received;
        }
        return true;
    }

    private sealed class PayloadSegment : ReadOnlySequenceSegment<byte>
    {
        public PayloadSegment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(PayloadSegment next) => Next = next;
    }
}

/// <summary>A float array's bytes as <see cref="Memory{T}"/> of bytes (the same memory, not a copy).</summary>
internal sealed class FloatBytes(float[] array) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan());

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        unsafe
        {
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle, this);
        }
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
