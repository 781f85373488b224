using System.Net.Sockets;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// The socket under a data-plane <see cref="System.Net.Security.SslStream"/>. TLS cuts a frame into records of at most
/// 16 KB and reads and writes its socket once per record; this stream reads the socket in large pieces and, while a
/// frame is written (<see cref="HoldWrites"/> until the flush), gathers the records into large sends. A 1.69 MB frame
/// then takes a few system calls each way instead of about a hundred. Writes outside a frame (the handshake) go straight
/// to the socket. One reader and one writer may use it at once, as with the <see cref="System.Net.Security.SslStream"/> above it.
/// </summary>
internal sealed class TlsRecordStream(Socket socket) : Stream
{
    /// <summary>Each direction's buffer: 16 records. Made at the first frame, so a socket in its handshake holds none.</summary>
    private const int BufferBytes = 256 * 1024;

    private byte[]? _inBuffer;
    private byte[]? _outBuffer;
    private readonly object _writing = new();
    private int _inStart;
    private int _inEnd;
    private int _outLength;
    private bool _holding;

    /// <summary>True once the peer has sent anything (its handshake has begun).</summary>
    public bool HasReceived { get; private set; }

    /// <summary>Gathers what is written until the next <see cref="Flush"/> or <see cref="FlushAsync(CancellationToken)"/>.</summary>
    public void HoldWrites()
    {
        lock (_writing)
        {
            _holding = true;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private byte[] Incoming => _inBuffer ??= GC.AllocateUninitializedArray<byte>(BufferBytes);

    private byte[] Outgoing => _outBuffer ??= GC.AllocateUninitializedArray<byte>(BufferBytes);

    public override int Read(Span<byte> destination)
    {
        if (_inStart == _inEnd)
        {
            if (destination.Length >= Incoming.Length)
            {
                return socket.Receive(destination, SocketFlags.None);
            }
            _inStart = 0;
            _inEnd = socket.Receive(Incoming, SocketFlags.None);
        }
        return TakeBuffered(destination);
    }

    /// <summary>The handshake's reads (the frames' are synchronous, on the receive thread): straight from the socket.</summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_inStart < _inEnd)
        {
            return TakeBuffered(destination.Span);
        }
        int received = await socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        HasReceived |= received > 0;
        return received;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int TakeBuffered(Span<byte> destination)
    {
        int count = Math.Min(destination.Length, _inEnd - _inStart);
        _inBuffer.AsSpan(_inStart, count).CopyTo(destination);
        _inStart += count;
        return count;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> source)
    {
        lock (_writing)
        {
            if (!_holding)
            {
                SendAll(source);
                return;
            }
            while (!source.IsEmpty)
            {
                int count = Math.Min(source.Length, Outgoing.Length - _outLength);
                source[..count].CopyTo(Outgoing.AsSpan(_outLength));
                _outLength += count;
                source = source[count..];
                if (_outLength == Outgoing.Length)
                {
                    SendAll(Outgoing);
                    _outLength = 0;
                }
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        // Only the send loop writes while holding (the handshake writes through), so the buffer is not shared meanwhile.
        if (!_holding)
        {
            await SendAllAsync(source, cancellationToken).ConfigureAwait(false);
            return;
        }
        while (!source.IsEmpty)
        {
            int count = Math.Min(source.Length, Outgoing.Length - _outLength);
            source.Span[..count].CopyTo(Outgoing.AsSpan(_outLength));
            _outLength += count;
            source = source[count..];
            if (_outLength == Outgoing.Length)
            {
                await SendAllAsync(Outgoing, cancellationToken).ConfigureAwait(false);
                _outLength = 0;
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Sends what was gathered and stops holding.</summary>
    public override void Flush()
    {
        lock (_writing)
        {
            SendAll(Outgoing.AsSpan(0, _outLength));
            _outLength = 0;
            _holding = false;
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await SendAllAsync(Outgoing.AsMemory(0, _outLength), cancellationToken).ConfigureAwait(false);
        _outLength = 0;
        _holding = false;
    }

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[socket.Send(bytes, SocketFlags.None)..];
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
        }
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
