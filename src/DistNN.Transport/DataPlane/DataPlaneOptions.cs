using DistNN.Protocol.Limits;
using DistNN.Transport.Security;

namespace DistNN.Transport.DataPlane;

/// <summary>Settings of a data-plane connection; the defaults suit tensors of a few MB on one machine or a LAN.</summary>
public sealed record DataPlaneOptions
{
    public static DataPlaneOptions Default { get; } = new();

    public ProtocolLimits Limits { get; init; } = ProtocolLimits.Default;

    /// <summary>Frames queued for sending per connection; a further send waits (flow control towards the producer).</summary>
    public int MaxInFlightFrames { get; init; } = 4;

    /// <summary>
    /// First size of each connection's receive buffer; it grows to the largest frame received (once, then is reused:
    /// nothing is churned on the large-object heap). A frame is read into it whole before it is decoded.
    /// </summary>
    public int ReceiveSegmentBytes { get; init; } = 1024 * 1024;

    /// <summary>Kernel socket buffer size for each direction (SO_SNDBUF/SO_RCVBUF); 0 leaves the OS default.</summary>
    public int SocketBufferBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// A frame offered with <see cref="DataPlaneConnection.TrySend"/> while nothing is queued and the socket has room is
    /// written on the calling thread instead of by the send loop; saves a thread wake-up per message.
    /// </summary>
    public bool InlineSends { get; init; } = true;

    /// <summary>
    /// Largest frame written on the calling thread: at most half of <see cref="SocketBufferBytes"/>, which the kernel
    /// doubles and reports writable with a third of it free, so such a send does not block. Larger frames are queued.
    /// </summary>
    public int InlineSendBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Where refused frames are counted and first logged.</summary>
    public LimitViolations Violations { get; init; } = LimitViolations.Shared;

    /// <summary>Where connection events (closed, errors in the frame handler) are written; none if null.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>
    /// A server also listens on a Unix domain socket and announces it; a client on the same host (<see cref="HostIdentity"/>)
    /// connects to it instead of TCP, and falls back to TCP if it cannot. False (the default): TCP only, both ways.
    /// </summary>
    public bool LocalSocket { get; init; }

    /// <summary>Mutual TLS on every connection (both ends present a certificate of the cluster's CA), or null: plain TCP.</summary>
    public NodeTls? Tls { get; init; }

    /// <summary>
    /// How long an accepted connection has to finish its TLS handshake (without TLS: to send its first bytes) before it
    /// is closed. Until then it holds no thread, and at most <see cref="MaxPendingConnections"/> wait.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Accepted connections still in their handshake; beyond it the oldest that has sent nothing (else the oldest) is closed to make room.</summary>
    public int MaxPendingConnections { get; init; } = 64;

    /// <summary>Connections a server holds after their handshake: each has one receive thread, so this caps those threads.</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Of <see cref="MaxConnections"/>, how many one peer address may hold (a node opens one per server node).</summary>
    public int MaxConnectionsPerPeer { get; init; } = 32;

    /// <summary>A server closes a connection on which nothing was received or sent for this long (its peer reconnects when it needs to).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Told of every refused connection (handshake, caps) with the peer and the reason; the transport counts them.</summary>
    public Action<DataPlaneRefusal, string>? Refused { get; init; }
}
