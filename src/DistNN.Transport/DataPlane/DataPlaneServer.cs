using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// Listens for data-plane connections (a parameter-server node runs one; its endpoint is announced over the control
/// plane). Each accepted connection delivers its frames to the same <see cref="FrameHandler"/>, which can answer on
/// the connection it was given.
/// </summary>
public sealed class DataPlaneServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly FrameHandler _onFrame;
    private readonly DataPlaneOptions _options;
    private readonly ConcurrentDictionary<DataPlaneConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    private DataPlaneServer(Socket listener, FrameHandler onFrame, DataPlaneOptions options)
    {
        _listener = listener;
        _onFrame = onFrame;
        _options = options;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The bound endpoint (with the actual port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    public IReadOnlyCollection<DataPlaneConnection> Connections => (IReadOnlyCollection<DataPlaneConnection>)_connections.Keys;

    /// <summary>Called for each accepted connection before its first frame is read.</summary>
    public event Action<DataPlaneConnection>? Accepted;

    /// <summary>Binds <paramref name="host"/>:<paramref name="port"/> (port 0 picks a free one) and starts accepting.</summary>
    public static DataPlaneServer Start(string host, int port, FrameHandler onFrame, DataPlaneOptions? options = null) =>
        Start(new IPEndPoint(Resolve(host), port), onFrame, options);

    public static DataPlaneServer Start(IPEndPoint endpoint, FrameHandler onFrame, DataPlaneOptions? options = null)
    {
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
        return new DataPlaneServer(listener, onFrame, options ?? DataPlaneOptions.Default);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
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

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }
                _options.Log?.Invoke($"data-plane server {LocalEndPoint}: accept failed: {e.Message}");
                continue;
            }
            var connection = new DataPlaneConnection(socket, _onFrame, _options);
            _connections.TryAdd(connection, 0);
            _ = connection.Completion.ContinueWith(_ => _connections.TryRemove(connection, out byte _),
                TaskScheduler.Default);
            Accepted?.Invoke(connection);
            connection.Start();
        }
    }
}
