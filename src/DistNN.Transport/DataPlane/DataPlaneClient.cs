using System.Net;
using System.Net.Sockets;

namespace DistNN.Transport.DataPlane;

/// <summary>Opens data-plane connections (a worker opens one to each parameter-server node).</summary>
public static class DataPlaneClient
{
    public static Task<DataPlaneConnection> ConnectAsync(string host, int port, FrameHandler onFrame,
        DataPlaneOptions? options = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(new IPEndPoint(DataPlaneServer.Resolve(host), port), onFrame, options, cancellationToken);

    public static async Task<DataPlaneConnection> ConnectAsync(IPEndPoint endpoint, FrameHandler onFrame,
        DataPlaneOptions? options = null, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var connection = new DataPlaneConnection(socket, onFrame, options ?? DataPlaneOptions.Default);
        connection.Start();
        return connection;
    }
}
