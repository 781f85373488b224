using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// Opens data-plane connections (a worker opens one to each parameter-server node), over TCP or, to a server on this
/// host, its Unix domain socket (a <see cref="UnixDomainSocketEndPoint"/>), with TLS when the options say.
/// </summary>
public static class DataPlaneClient
{
    public static Task<DataPlaneConnection> ConnectAsync(string host, int port, FrameHandler onFrame,
        DataPlaneOptions? options = null, CancellationToken cancellationToken = default, FramePlacement? placement = null) =>
        ConnectAsync(new IPEndPoint(DataPlaneServer.Resolve(host), port), onFrame, options, cancellationToken, host, placement);

    /// <summary>
    /// Connects to <paramref name="endpoint"/> (an IP endpoint or a local socket's path, <paramref name="host"/> naming
    /// the server to TLS); with <see cref="DataPlaneOptions.Tls"/> the TLS handshake follows (this
    /// node's certificate presented, the server's checked against the cluster's CA) within
    /// <see cref="DataPlaneOptions.HandshakeTimeout"/>. Throws <see cref="System.Security.Authentication.AuthenticationException"/>
    /// or <see cref="IOException"/> when the handshake fails. With <paramref name="placement"/>, frames' large values are
    /// received straight into the arrays it names.
    /// </summary>
    public static async Task<DataPlaneConnection> ConnectAsync(EndPoint endpoint, FrameHandler onFrame,
        DataPlaneOptions? options = null, CancellationToken cancellationToken = default, string? host = null, FramePlacement? placement = null)
    {
        options ??= DataPlaneOptions.Default;
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream,
            endpoint is UnixDomainSocketEndPoint ? ProtocolType.Unspecified : ProtocolType.Tcp);
        SslStream? tls = null;
        TlsRecordStream? records = null;
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
            if (options.Tls is { } nodeTls)
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(options.HandshakeTimeout);
                records = new TlsRecordStream(socket);
                tls = new SslStream(records, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsClientAsync(nodeTls.ClientOptions(host ?? (endpoint as IPEndPoint)?.Address.ToString() ?? "localhost", endpoint.ToString() ?? ""), deadline.Token)
                    .ConfigureAwait(false);
            }
        }
        catch
        {
            tls?.Dispose();
            socket.Dispose();
            throw;
        }
        var connection = new DataPlaneConnection(socket, tls, records, onFrame, options, placement);
        connection.Start();
        return connection;
    }
}
