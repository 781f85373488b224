namespace DistNN.Transport.DataPlane;

/// <summary>
/// A server node's data plane as its announcement names it: host:port over TCP and, when the node also listens on a
/// Unix domain socket, the socket's path and the <see cref="HostIdentity"/> of the node ("host:port local ID PATH").
/// A client with that identity connects to the path instead of the TCP port.
/// </summary>
public sealed record DataPlaneAddress(string Host, int Port, string? HostId = null, string? SocketPath = null)
{
    private const string LocalMark = " local ";

    /// <summary>The TCP part, host:port.</summary>
    public string Tcp => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>True when the announcing node is on this host and sees this process's files: its socket path is the way in.</summary>
    public bool IsLocal => SocketPath is not null && HostId is not null && HostId == HostIdentity.Current;

    /// <summary>Reads "host:port" or "host:port local ID PATH"; a <see cref="FormatException"/> names what is wrong.</summary>
    public static DataPlaneAddress Parse(string endpoint)
    {
        int mark = endpoint.IndexOf(LocalMark, StringComparison.Ordinal);
        string tcp = mark < 0 ? endpoint : endpoint[..mark];
        int colon = tcp.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(tcp.AsSpan(colon + 1), out int port))
        {
            throw new FormatException($"data-plane endpoint '{endpoint}' is not host:port");
        }
        string host = tcp[..colon].Trim('[', ']');
        if (mark < 0)
        {
            return new DataPlaneAddress(host, port);
        }
        string local = endpoint[(mark + LocalMark.Length)..];
        int space = local.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space == local.Length - 1)
        {
            throw new FormatException($"data-plane endpoint '{endpoint}' names a local socket without a host identity and a path");
        }
        return new DataPlaneAddress(host, port, local[..space], local[(space + 1)..]);
    }

    public override string ToString() => SocketPath is null ? Tcp : $"{Tcp}{LocalMark}{HostId} {SocketPath}";
}
