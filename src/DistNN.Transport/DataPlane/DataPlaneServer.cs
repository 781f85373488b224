using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// Listens for data-plane connections (a parameter-server node runs one; its endpoint is announced over the control
/// plane). Each accepted connection delivers its frames to the same <see cref="FrameHandler"/>, which can answer on
/// the connection it was given. An accepted socket first passes its handshake — TLS with the cluster's CA when the
/// options have <see cref="DataPlaneOptions.Tls"/>, else its first bytes — within
/// <see cref="DataPlaneOptions.HandshakeTimeout"/>, holding no thread meanwhile (at most
/// <see cref="DataPlaneOptions.MaxPendingConnections"/> wait; a newer one closes the oldest that has not sent a byte, else the oldest). Only then does it become a
/// connection with a receive thread, within <see cref="DataPlaneOptions.MaxConnections"/> and
/// <see cref="DataPlaneOptions.MaxConnectionsPerPeer"/>; one idle for <see cref="DataPlaneOptions.IdleTimeout"/> is closed.
/// Given a path, it also listens on a Unix domain socket there (mode 0600, removed on dispose) for clients on this
/// host; what is accepted on it goes through the same handshake, caps and connections as TCP.
/// </summary>
public sealed class DataPlaneServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Socket? _localListener;
    private readonly FrameHandler _onFrame;
    private readonly FramePlacement? _placement;
    private readonly DataPlaneOptions _options;
    private readonly ConcurrentDictionary<DataPlaneConnection, byte> _connections = new();
    private readonly object _gate = new();
    private readonly Dictionary<Socket, (long Order, TlsRecordStream? Records)> _pending = [];
    private readonly Dictionary<string, int> _perPeer = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private readonly Task _idleWatch;
    private long _accepted;

    private DataPlaneServer(Socket listener, Socket? localListener, FrameHandler onFrame, DataPlaneOptions options, FramePlacement? placement)
    {
        _placement = placement;
        _listener = listener;
        _localListener = localListener;
        _onFrame = onFrame;
        _options = options;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        LocalSocketPath = (localListener?.LocalEndPoint as UnixDomainSocketEndPoint)?.ToString();
        if (LocalSocketPath is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += RemoveSocketFile;
        }
        _accepting = localListener is null
            ? Task.Run(() => AcceptLoopAsync(listener))
            : Task.WhenAll(Task.Run(() => AcceptLoopAsync(listener)), Task.Run(() => AcceptLoopAsync(localListener)));
        _idleWatch = Task.Run(CloseIdleAsync);
    }

    /// <summary>The bound endpoint (with the actual port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The path of the Unix domain socket this server also listens on, or null when it listens on TCP only.</summary>
    public string? LocalSocketPath { get; }

    public IReadOnlyCollection<DataPlaneConnection> Connections => (IReadOnlyCollection<DataPlaneConnection>)_connections.Keys;

    /// <summary>Accepted sockets still in their handshake.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Called for each accepted connection, after its handshake and before its first frame is read.</summary>
    public event Action<DataPlaneConnection>? Accepted;

    /// <summary>
    /// Binds <paramref name="host"/>:<paramref name="port"/> (port 0 picks a free one) and starts accepting; with
    /// <paramref name="placement"/>, frames' large values are received straight into the arrays it names; with
    /// <paramref name="localSocketPath"/>, also on a Unix domain socket there (if it cannot be bound: TCP only, logged).
    /// </summary>
    public static DataPlaneServer Start(string host, int port, FrameHandler onFrame, DataPlaneOptions? options = null,
        FramePlacement? placement = null, string? localSocketPath = null) =>
        Start(new IPEndPoint(Resolve(host), port), onFrame, options, placement, localSocketPath);

    public static DataPlaneServer Start(IPEndPoint endpoint, FrameHandler onFrame, DataPlaneOptions? options = null,
        FramePlacement? placement = null, string? localSocketPath = null)
    {
        options ??= DataPlaneOptions.Default;
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endpoint);
            listener.Listen(128);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        Socket? local = localSocketPath is null ? null : ListenLocal(localSocketPath, options);
        return new DataPlaneServer(listener, local, onFrame, options, placement);
    }

    /// <summary>
    /// A listener on the Unix domain socket <paramref name="path"/>, readable and writable by this user only (set before
    /// listen, so no one else connects in between), or null (logged) if it cannot be made.
    /// </summary>
    private static Socket? ListenLocal(string path, DataPlaneOptions options)
    {
        if (OperatingSystem.IsWindows())
        {
            options.Log?.Invoke("data-plane server: no local socket on Windows (its file mode cannot be set); TCP only");
            return null;
        }
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(128);
            return listener;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            listener.Dispose();
            LocalSocketFiles.Delete(path);
            options.Log?.Invoke($"data-plane server: no local socket at {path} ({e.Message}); TCP only");
            return null;
        }
    }

    /// <summary>A process that exits without stopping this server (no dispose) still removes its socket file.</summary>
    private void RemoveSocketFile(object? sender, EventArgs e) => LocalSocketFiles.Delete(LocalSocketPath!);

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Dispose();
        _localListener?.Dispose();
        if (LocalSocketPath is not null)
        {
            AppDomain.CurrentDomain.ProcessExit -= RemoveSocketFile;
            LocalSocketFiles.Delete(LocalSocketPath);
        }
        await Task.WhenAll(_accepting, _idleWatch).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (Socket socket in _pending.Keys)
            {
                socket.Dispose();
            }
        }
        foreach (DataPlaneConnection connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out IPAddress? address))
        {
            return address;
        }
        IPAddress[] addresses = Dns.GetHostAddresses(host);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new ArgumentException($"host '{host}' has no address", nameof(host));
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }
                _options.Log?.Invoke($"data-plane server {listener.LocalEndPoint}: accept failed: {e.Message}");
                continue;
            }
            _ = AdmitAsync(socket);
        }
    }

    /// <summary>The handshake of an accepted socket, then the caps; a socket that passes becomes a connection.</summary>
    private async Task AdmitAsync(Socket socket)
    {
        // Peers on the local socket have no address of their own: for the caps they count as one peer, as loopback does.
        var address = socket.RemoteEndPoint as IPEndPoint;
        string peer = address?.ToString() ?? "a local-socket peer";
        string peerKey = address?.Address.ToString() ?? "local socket";
        Socket? evicted = null;
        TlsRecordStream? records = _options.Tls is null ? null : new TlsRecordStream(socket);
        lock (_gate)
        {
            if (_pending.Count >= Math.Max(1, _options.MaxPendingConnections))
            {
                evicted = Eviction();
                _pending.Remove(evicted);
            }
            _pending[socket] = (++_accepted, records);
        }
        evicted?.Dispose();
        SslStream? tls = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(_options.HandshakeTimeout);
        try
        {
            if (_options.Tls is { } nodeTls)
            {
                tls = new SslStream(records!, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsServerAsync(nodeTls.ServerOptions(peer), deadline.Token).ConfigureAwait(false);
            }
            else
            {
                // A zero-byte receive completes when the first bytes arrive: no thread waits for a peer that sends nothing.
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException
            or System.Security.Authentication.AuthenticationException)
        {
            bool stillPending;
            lock (_gate)
            {
                stillPending = _pending.Remove(socket);
            }
            tls?.Dispose();
            socket.Dispose();
            if (!_stopping.IsCancellationRequested)
            {
                string why = !stillPending ? "closed to make room for newer connections in their handshake"
                    : deadline.IsCancellationRequested ? $"no {(_options.Tls is null ? "bytes" : "TLS handshake")} within {_options.HandshakeTimeout.TotalSeconds:0.#} s"
                    : $"TLS handshake failed: {Inner(e)}";
                _options.Refused?.Invoke(DataPlaneRefusal.Handshake, $"the connection of {peer}: {why}");
            }
            return;
        }
        string? refusal = null;
        lock (_gate)
        {
            if (!_pending.Remove(socket))
            {
                refusal = "closed to make room for newer connections in their handshake";
            }
            else if (_connections.Count >= _options.MaxConnections)
            {
                refusal = $"this server holds its maximum of {_options.MaxConnections} connections";
            }
            else if (_perPeer.GetValueOrDefault(peerKey) >= _options.MaxConnectionsPerPeer)
            {
                refusal = $"{peerKey} holds its maximum of {_options.MaxConnectionsPerPeer} connections";
            }
            else
            {
                _perPeer[peerKey] = _perPeer.GetValueOrDefault(peerKey) + 1;
            }
        }
        if (refusal is not null)
        {
            tls?.Dispose();
            socket.Dispose();
            _options.Refused?.Invoke(DataPlaneRefusal.ConnectionLimit, $"the connection of {peer}: {refusal}");
            return;
        }
        var connection = new DataPlaneConnection(socket, tls, records, _onFrame, _options, _placement);
        _connections.TryAdd(connection, 0);
        _ = connection.Completion.ContinueWith(_ =>
        {
            _connections.TryRemove(connection, out byte _);
            lock (_gate)
            {
                if (--_perPeer[peerKey] == 0)
                {
                    _perPeer.Remove(peerKey);
                }
            }
        }, TaskScheduler.Default);
        Accepted?.Invoke(connection);
        connection.Start();
    }

    /// <summary>
    /// The pending socket to close for a newer one: the oldest that has not sent a byte (an idle flood's), else the
    /// oldest. A real peer sends at once, so a flood of idle connections, however fast it reconnects, never evicts it.
    /// </summary>
    private Socket Eviction()
    {
        static bool Spoke(Socket socket, TlsRecordStream? records)
        {
            try
            {
                return records is { HasReceived: true } || socket.Available > 0;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
        Socket? oldest = null, oldestSilent = null;
        long oldestOrder = long.MaxValue, oldestSilentOrder = long.MaxValue;
        foreach (var (socket, (order, records)) in _pending)
        {
            if (order < oldestOrder)
            {
                (oldest, oldestOrder) = (socket, order);
            }
            if (order < oldestSilentOrder && !Spoke(socket, records))
            {
                (oldestSilent, oldestSilentOrder) = (socket, order);
            }
        }
        return oldestSilent ?? oldest!;
    }

    private static string Inner(Exception e) => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;

    /// <summary>Closes connections idle for <see cref="DataPlaneOptions.IdleTimeout"/>, looking a few times per timeout.</summary>
    private async Task CloseIdleAsync()
    {
        TimeSpan every = TimeSpan.FromMilliseconds(Math.Clamp(_options.IdleTimeout.TotalMilliseconds / 4, 50, 10_000));
        try
        {
            while (true)
            {
                await Task.Delay(every, _stopping.Token).ConfigureAwait(false);
                foreach (DataPlaneConnection connection in _connections.Keys)
                {
                    if (connection.Idle >= _options.IdleTimeout)
                    {
                        connection.Abort($"idle for {_options.IdleTimeout.TotalSeconds:0.#} s");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
