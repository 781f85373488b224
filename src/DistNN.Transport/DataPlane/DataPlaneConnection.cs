using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Serialization;
using System.Threading.Channels;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// One connection of the data plane (TCP, or a Unix domain socket between nodes of one host), the same on both ends: a receive loop that cuts frames and passes each to
/// the <see cref="FrameHandler"/>, and a send loop that writes queued frames in order. At most
/// <see cref="DataPlaneOptions.MaxInFlightFrames"/> frames wait to be sent; <see cref="SendAsync"/> waits beyond
/// that, and <see cref="Send"/> leaves the frame waiting without holding the caller's thread. A bad frame header (wrong version, oversized) is counted, logged once, and closes the connection, since the
/// stream cannot be resynchronised. <see cref="Completion"/> completes when the connection is closed for any reason.
/// With TLS every byte goes through the handshaken <see cref="SslStream"/> (one reader, one writer at a time, as it allows).
/// </summary>
public sealed class DataPlaneConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly SslStream? _tls;
    private readonly TlsRecordStream? _records;
    private readonly FrameHandler _onFrame;
    private readonly FramePlacement? _placement;
    private FrameReceiver? _receiver;
    private readonly DataPlaneOptions _options;
    private readonly Channel<FrameWriter> _outgoing;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private int _closeStarted;
    private long _bytesSent;
    private readonly SemaphoreSlim _sending1 = new(1, 1);
    private long _bytesReceived;
    private long _lastActivity = Environment.TickCount64;

    /// <param name="records">With TLS, the stream under <paramref name="tls"/>.</param>
    internal DataPlaneConnection(Socket socket, SslStream? tls, TlsRecordStream? records, FrameHandler onFrame, DataPlaneOptions options,
        FramePlacement? placement = null)
    {
        _placement = placement;
        _socket = socket;
        _tls = tls;
        _records = records;
        _onFrame = onFrame;
        _options = options;
        IsLocalSocket = socket.AddressFamily == AddressFamily.Unix;
        RemoteEndPoint = socket.RemoteEndPoint ?? new UnixDomainSocketEndPoint("(local peer)");
        LocalEndPoint = socket.LocalEndPoint ?? new UnixDomainSocketEndPoint("(local peer)");
        _outgoing = Channel.CreateBounded<FrameWriter>(new BoundedChannelOptions(Math.Max(1, options.MaxInFlightFrames))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public EndPoint RemoteEndPoint { get; }

    public EndPoint LocalEndPoint { get; }

    /// <summary>Completes (never faults) when the connection has closed; <see cref="CloseReason"/> says why.</summary>
    public Task Completion => _closed.Task;

    public string? CloseReason { get; private set; }

    public bool IsOpen => Volatile.Read(ref _closeStarted) == 0;

    /// <summary>Bytes the socket has accepted for sending on this connection (frames with their headers).</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Bytes of whole frames (with their headers) received on this connection.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Value bytes received straight into the arrays that hold them (<see cref="FramePlacement"/>), not through the buffer.</summary>
    public long BytesPlaced => _receiver?.BytesPlaced ?? 0;

    /// <summary>
    /// During the <see cref="FrameHandler"/>'s call: the arrays the frame's large values were received into (read the
    /// message with them), or null when none were.
    /// </summary>
    public Protocol.Ownership.IValueArrays? PlacedArrays { get; private set; }

    /// <summary>True when the connection runs over a Unix domain socket (a server on this host), false over TCP.</summary>
    public bool IsLocalSocket { get; }

    /// <summary>True when the connection runs over TLS.</summary>
    public bool IsTls => _tls is not null;

    /// <summary>How long nothing was received or sent.</summary>
    public TimeSpan Idle => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastActivity));

    internal void Start()
    {
        if (!IsLocalSocket)
        {
            _socket.NoDelay = true;
        }
        if (_options.SocketBufferBytes > 0)
        {
            _socket.SendBufferSize = _options.SocketBufferBytes;
            _socket.ReceiveBufferSize = _options.SocketBufferBytes;
        }
        _receiving = Task.Factory.StartNew(() =>
        {
            Thread.CurrentThread.Name = "distnn.data-plane-receive";
            ReceiveLoop();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _sending = Task.Run(SendLoopAsync);
    }

    /// <summary>
    /// Queues <paramref name="frame"/> for sending and takes ownership of it (it is disposed once written, or when
    /// the connection closes). Waits while <see cref="DataPlaneOptions.MaxInFlightFrames"/> frames are queued.
    /// Throws <see cref="IOException"/> if the connection is closed.
    /// </summary>
    public async ValueTask SendAsync(FrameWriter frame, CancellationToken cancellationToken = default)
    {
        try
        {
            frame.CheckLimit(_options.Limits);
            frame.Materialize();
            await _outgoing.Writer.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            frame.Dispose();
            throw new IOException($"data-plane connection to {RemoteEndPoint} is closed: {CloseReason}");
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="frame"/> and takes ownership of it, never waiting: written on this thread when that cannot
    /// block (<see cref="TrySend"/>), else queued; when the queue is full the frame (its values copied in) waits for room
    /// asynchronously. A frame that the closing connection drops is logged; the requesting side sends requests again.
    /// Throws <see cref="InvalidOperationException"/> for a frame beyond the size limit.
    /// </summary>
    public void Send(FrameWriter frame)
    {
        try
        {
            if (TrySend(frame))
            {
                return;
            }
        }
        catch
        {
            frame.Dispose();
            throw;
        }
        ValueTask queued = SendAsync(frame);
        if (queued.IsCompletedSuccessfully)
        {
            return;
        }
        _ = ObserveAsync(queued);
    }

    private async Task ObserveAsync(ValueTask queued)
    {
        try
        {
            await queued.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException)
        {
            _options.Log?.Invoke($"data-plane connection {LocalEndPoint} ↔ {RemoteEndPoint}: a frame was dropped: {e.Message}");
        }
    }

    /// <summary>Queues <paramref name="frame"/> if there is room, taking ownership; false (frame still yours) if not.</summary>
    public bool TrySend(FrameWriter frame)
    {
        frame.CheckLimit(_options.Limits);
        // Nothing queued, no send under way, and room in the socket for the whole frame: write on this thread rather
        // than wake the send loop for it (one thread hop less per message). Holding the send lock with an empty queue
        // keeps the frames in order. Poll says writable when a third of the kernel's send buffer is free, so a frame of
        // at most InlineSendBytes goes in without blocking.
        if (_options.InlineSends && frame.PayloadLength <= _options.InlineSendBytes && _outgoing.Reader.Count == 0 && IsOpen
            && _sending1.Wait(0))
        {
            try
            {
                if (_outgoing.Reader.Count == 0 && _socket.Poll(0, SelectMode.SelectWrite))
                {
                    using (frame)
                    {
                        SendInline(frame);
                    }
                    return true;
                }
            }
            finally
            {
                _sending1.Release();
            }
        }
        // Queued: it must own its bytes (values held by reference may change once the caller's Tell returns).
        frame.Materialize();
        return _outgoing.Writer.TryWrite(frame);
    }

    private void SendInline(FrameWriter frame)
    {
        try
        {
            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            if (_tls is not null)
            {
                // The frame's records go out together at the flush (TlsRecordStream), not one send per 16 KB record.
                _records!.HoldWrites();
                for (int i = 0; i < frame.SegmentCount; i++)
                {
                    _tls.Write(frame.Segment(i));
                }
                _tls.Flush();
                Interlocked.Add(ref _bytesSent, frame.PayloadLength + FrameWriter.HeaderBytes);
                return;
            }
            for (int i = 0; i < frame.SegmentCount; i++)
            {
                ReadOnlySpan<byte> bytes = frame.Segment(i);
                while (!bytes.IsEmpty)
                {
                    int sent = _socket.Send(bytes, SocketFlags.None);
                    bytes = bytes[sent..];
                    Interlocked.Add(ref _bytesSent, sent);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The frame is lost with the connection; whoever waits for its reply learns of the close (Completion).
            Close($"send failed: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Close("closed by this node");
        await Task.WhenAll(_receiving, _sending).ConfigureAwait(false);
    }

    /// <summary>
    /// The receive loop, on a thread of its own blocked in <c>recv</c>: the kernel wakes it when bytes arrive, with no
    /// hop through epoll and the thread pool per read (docs/performance.md says what those hops cost). The
    /// <see cref="FrameReceiver"/> cuts the frames, large values straight into their arrays when a placement names them.
    /// </summary>
    private void ReceiveLoop()
    {
        string reason = "the peer closed the connection";
        var receiver = new FrameReceiver(
            _tls is null ? bytes => _socket.Receive(bytes.Span, SocketFlags.None) : bytes => _tls.Read(bytes.Span),
            _options.Limits,
            _placement is null ? null : start => _placement(this, start),
            _options.ReceiveSegmentBytes);
        _receiver = receiver;
        try
        {
            while (receiver.ReceiveFrame(Deliver))
            {
            }
            if (receiver.Unread > 0)
            {
                reason = $"the peer closed the connection in the middle of a frame ({receiver.Unread} bytes unread)";
            }
        }
        catch (EndOfStreamException e)
        {
            reason = $"the peer closed the connection in the middle of a frame ({e.Message})";
        }
        catch (WireProtocolException violation)
        {
            _options.Violations.Record(violation);
            reason = $"refused {RemoteEndPoint}: {violation.Message}";
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException && Volatile.Read(ref _closeStarted) != 0)
        {
            reason = CloseReason ?? "closed by this node";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            reason = $"connection lost: {e.Message}";
        }
        catch (Exception e)
        {
            reason = $"the frame handler failed: {e}";
        }
        finally
        {
            Close(reason);
        }
    }

    private void Deliver(System.Buffers.ReadOnlySequence<byte> payload, Protocol.Ownership.IValueArrays? placed)
    {
        PlacedArrays = placed;
        Volatile.Write(ref _lastActivity, Environment.TickCount64);
        Interlocked.Add(ref _bytesReceived, payload.Length + FrameWriter.HeaderBytes);
        try
        {
            _onFrame(this, payload);
        }
        catch (WireProtocolException violation)
        {
            _options.Violations.Record(violation);
        }
        catch (SerializationException e)
        {
            _options.Violations.Record(ViolationKind.Malformed, e.Message);
        }
        finally
        {
            PlacedArrays = null;
        }
    }

    private async Task SendLoopAsync()
    {
        ChannelReader<FrameWriter> queue = _outgoing.Reader;
        try
        {
            while (await queue.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                await _sending1.WaitAsync(_closing.Token).ConfigureAwait(false);
                try
                {
                    while (queue.TryRead(out FrameWriter? frame))
                    {
                        using (frame)
                        {
                            ReadOnlyMemory<byte> bytes = frame.Frame;
                            Volatile.Write(ref _lastActivity, Environment.TickCount64);
                            if (_tls is not null)
                            {
                                _records!.HoldWrites();
                                await _tls.WriteAsync(bytes, _closing.Token).ConfigureAwait(false);
                                await _tls.FlushAsync(_closing.Token).ConfigureAwait(false);
                                Interlocked.Add(ref _bytesSent, bytes.Length);
                                bytes = default;
                            }
                            while (!bytes.IsEmpty)
                            {
                                int sent = await _socket.SendAsync(bytes, SocketFlags.None, _closing.Token).ConfigureAwait(false);
                                bytes = bytes[sent..];
                                Interlocked.Add(ref _bytesSent, sent);
                            }
                        }
                    }
                }
                finally
                {
                    _sending1.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close($"send failed: {e.Message}");
        }
        finally
        {
            while (queue.TryRead(out FrameWriter? unsent))
            {
                unsent.Dispose();
            }
        }
    }

    /// <summary>Closes the connection at once for <paramref name="reason"/> (a refused peer); safe on its receive thread.</summary>
    internal void Abort(string reason) => Close(reason);

    private void Close(string reason)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            return;
        }
        CloseReason = reason;
        _outgoing.Writer.TryComplete();
        _closing.Cancel();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _tls?.Dispose();
        _socket.Dispose();
        _options.Log?.Invoke($"data-plane connection {LocalEndPoint} ↔ {RemoteEndPoint} closed: {reason}");
        _closed.TrySetResult();
    }
}
