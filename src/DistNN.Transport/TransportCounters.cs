using System.Collections.Concurrent;
using Akka.Actor;
using DistNN.Transport.DataPlane;

namespace DistNN.Transport;

/// <summary>What the transports of one node have sent and received: per actor, per transport, frames and pieces.</summary>
public sealed class TransportCounters
{
    private readonly ConcurrentDictionary<IActorRef, WireCount> _bytes = new();
    private readonly ConcurrentDictionary<DataPlaneConnection, byte> _open = new();
    private long _framesSent;
    private long _connectionsOpened;
    private long _localSocketConnectionsOpened;
    private long _piecesSent;
    private long _pieceBytesSent;
    private long _closedBytesSent;
    private long _closedBytesReceived;
    private long _closedBytesPlaced;
    private readonly long[] _refused = new long[Enum.GetValues<DataPlaneRefusal>().Length];

    /// <summary>Data-plane frames this node has handed to its connections (requests and replies).</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Bytes the sockets of this node's outgoing data-plane connections have sent (open ones and closed ones).</summary>
    public long DataPlaneBytesSent => Interlocked.Read(ref _closedBytesSent) + _open.Keys.Sum(c => c.BytesSent);

    /// <summary>Bytes of frames this node's outgoing data-plane connections have received.</summary>
    public long DataPlaneBytesReceived => Interlocked.Read(ref _closedBytesReceived) + _open.Keys.Sum(c => c.BytesReceived);

    /// <summary>Of <see cref="DataPlaneBytesReceived"/>, the value bytes read from the socket straight into their arrays.</summary>
    public long DataPlaneBytesPlaced => Interlocked.Read(ref _closedBytesPlaced) + _open.Keys.Sum(c => c.BytesPlaced);

    /// <summary>Outgoing data-plane connections this node has opened, over TCP or a local socket.</summary>
    public long DataPlaneConnectionsOpened => Interlocked.Read(ref _connectionsOpened);

    /// <summary>Of <see cref="DataPlaneConnectionsOpened"/>, those over a Unix domain socket (to a server node on this host).</summary>
    public long DataPlaneLocalSocketConnectionsOpened => Interlocked.Read(ref _localSocketConnectionsOpened);

    /// <summary>Frames and connections this node's data plane refused for <paramref name="reason"/>.</summary>
    public long RefusedOf(DataPlaneRefusal reason) => Interlocked.Read(ref _refused[(int)reason]);

    /// <summary>Frames and connections this node's data plane refused, for any reason.</summary>
    public long Refused => Enum.GetValues<DataPlaneRefusal>().Sum(RefusedOf);

    /// <summary>Bytes of message pieces (their payload, without Akka.Remote's envelope) this node has sent.</summary>
    public long PieceBytesSent => Interlocked.Read(ref _pieceBytesSent);

    /// <summary>Message pieces this node has sent over Akka.Remote (or to itself).</summary>
    public long PiecesSent => Interlocked.Read(ref _piecesSent);

    /// <summary>
    /// Bytes of tensor messages that <paramref name="actor"/> (of this node) sent and received through a transport since
    /// it started: frames on the data plane, whole serialized messages in pieces. Zero for messages by reference.
    /// </summary>
    public (long Sent, long Received) BytesOf(IActorRef actor) =>
        _bytes.TryGetValue(actor, out WireCount? count) ? (Interlocked.Read(ref count.Sent), Interlocked.Read(ref count.Received)) : (0, 0);

    internal void CountSent(IActorRef? actor, long bytes)
    {
        if (actor is not null && !actor.IsNobody())
        {
            Interlocked.Add(ref _bytes.GetOrAdd(actor, _ => new WireCount()).Sent, bytes);
        }
    }

    internal void CountReceived(IActorRef? actor, long bytes)
    {
        if (actor is not null && !actor.IsNobody())
        {
            Interlocked.Add(ref _bytes.GetOrAdd(actor, _ => new WireCount()).Received, bytes);
        }
    }

    /// <summary>Counts a refusal; true for the first of its kind (the one to log).</summary>
    internal bool Refuse(DataPlaneRefusal reason) => Interlocked.Increment(ref _refused[(int)reason]) == 1;

    internal void FrameSent() => Interlocked.Increment(ref _framesSent);

    internal void PieceSent(int bytes)
    {
        Interlocked.Increment(ref _piecesSent);
        Interlocked.Add(ref _pieceBytesSent, bytes);
    }

    /// <summary>An outgoing connection opened: its bytes count from now on.</summary>
    internal void Opened(DataPlaneConnection connection)
    {
        _open.TryAdd(connection, 0);
        Interlocked.Increment(ref _connectionsOpened);
        if (connection.IsLocalSocket)
        {
            Interlocked.Increment(ref _localSocketConnectionsOpened);
        }
    }

    /// <summary>An outgoing connection closed: its byte counts go to the totals and it is forgotten.</summary>
    internal void Closed(DataPlaneConnection connection)
    {
        if (_open.TryRemove(connection, out _))
        {
            Interlocked.Add(ref _closedBytesSent, connection.BytesSent);
            Interlocked.Add(ref _closedBytesReceived, connection.BytesReceived);
            Interlocked.Add(ref _closedBytesPlaced, connection.BytesPlaced);
        }
    }

    private sealed class WireCount
    {
        public long Sent;
        public long Received;
    }
}
