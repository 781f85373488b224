using DistNN.Protocol.Limits;

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
}
