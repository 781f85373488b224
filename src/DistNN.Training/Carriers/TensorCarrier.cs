using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.DataPlane;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Configuration;
using DistNN.Training.Plan;

namespace DistNN.Training.Carriers;

/// <summary>
/// The tensor carriers of one ActorSystem (an Akka extension): how pushes, pulls and their replies reach a parameter
/// server on another node, beside Akka.Remote's control plane.
/// <list type="bullet">
/// <item>The data plane: a parameter-server node listens (<c>distnn.data-plane</c>, started by
/// <c>WithTensorDataPlane</c>) and announces "host:port" in <see cref="RegisterServer"/>; a worker node opens one
/// connection per server node. Frames are <see cref="MessageFrame"/>s in pooled buffers; each arrives as a message in
/// the target actor's mailbox with a sender that writes the reply back on the same connection.</item>
/// <item>Akka.Remote in pieces: each message is serialized once and cut into <see cref="MessagePiece"/>s of at most
/// the plan's chunk size, which the <see cref="PieceAssembler"/> of the receiving node puts back together.</item>
/// </list>
/// A worker asks <see cref="Route"/> for the refs it sends to: the servers themselves when they live in its own
/// ActorSystem (messages by reference, no carrier), proxies otherwise. The worker's code is the same either way.
/// </summary>
public sealed class TensorCarrier : IExtension
{
    /// <summary>The assembler's name under /system on every node.</summary>
    public const string AssemblerName = "distnn-pieces";

    private readonly ExtendedActorSystem _system;
    private readonly ILoggingAdapter _log;
    private readonly DataPlaneOptions _options;
    private readonly DataPlaneServer? _server;
    private readonly ConcurrentDictionary<string, DataPlaneLink> _links = new();
    private readonly ConcurrentDictionary<DataPlaneConnection, DataPlaneLink> _linkOf = new();
    private readonly ConcurrentDictionary<string, IActorRef> _targets = new();
    private readonly ConcurrentDictionary<Address, IActorRef> _assemblers = new();
    private readonly Dictionary<(IActorRef Actor, string Target), int> _routeOf = [];
    private readonly ConcurrentDictionary<int, IActorRef> _routes = new();
    private readonly ConcurrentDictionary<(DataPlaneConnection Connection, int Route), ReceiveArrays> _receiveArrays = new();
    private readonly ConcurrentDictionary<IActorRef, WireCount> _bytes = new();
    private int _nextRoute;
    private volatile bool _stopping;
    private long _framesSent;
    private long _piecesSent;
    private long _pieceBytesSent;
    private long _closedBytesSent;
    private long _closedBytesReceived;

    public TensorCarrier(ExtendedActorSystem system)
    {
        _system = system;
        _log = Logging.GetLogger(system, typeof(TensorCarrier));
        Serializer = new ProtocolSerializer(system);
        _options = DataPlaneOptions.Default with { Log = line => _log.Info(line) };
        Assembler = system.SystemActorOf(PieceAssembler.Props(this), AssemblerName);
        var dataPlane = DataPlaneSettings.From(system.Settings.Config);
        if (dataPlane.Enabled)
        {
            _server = DataPlaneServer.Start(dataPlane.Hostname, dataPlane.Port, OnFrame, _options);
            Endpoint = $"{(string.IsNullOrEmpty(dataPlane.PublicHostname) ? dataPlane.Hostname : dataPlane.PublicHostname)}:{_server.LocalEndPoint.Port}";
            _log.Info("tensor data plane listening on {0}, announced as {1}", _server.LocalEndPoint, Endpoint);
        }
        system.RegisterOnTermination(() => DisposeAsync().AsTask().GetAwaiter().GetResult());
    }

    /// <summary>The carrier of <paramref name="system"/>, started on first use.</summary>
    public static TensorCarrier Get(ActorSystem system) => system.WithExtension<TensorCarrier, TensorCarrierProvider>();

    /// <summary>This node's data-plane endpoint as announced ("host:port"), or empty when it runs none.</summary>
    public string Endpoint { get; } = "";

    public ProtocolSerializer Serializer { get; }

    internal IActorRefProvider Provider => _system.Provider;

    /// <summary>Data-plane frames this node has queued for sending (requests and replies).</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Bytes the sockets of this node's outgoing data-plane connections have sent (open ones and closed ones).</summary>
    public long DataPlaneBytesSent => Interlocked.Read(ref _closedBytesSent) + OpenConnections().Sum(c => c.BytesSent);

    /// <summary>Bytes of frames this node's outgoing data-plane connections have received.</summary>
    public long DataPlaneBytesReceived => Interlocked.Read(ref _closedBytesReceived) + OpenConnections().Sum(c => c.BytesReceived);

    /// <summary>Bytes of message pieces (their payload, without Akka.Remote's envelope) this node has sent.</summary>
    public long PieceBytesSent => Interlocked.Read(ref _pieceBytesSent);

    /// <summary>Message pieces this node has sent over Akka.Remote (or to itself).</summary>
    public long PiecesSent => Interlocked.Read(ref _piecesSent);

    /// <summary>
    /// Bytes of tensor messages that <paramref name="actor"/> (of this node) sent and received over a carrier since it
    /// started: frames on the data plane, whole serialized messages in pieces over Akka.Remote. Zero for an actor whose
    /// servers live in its own ActorSystem (messages by reference).
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

    private sealed class WireCount
    {
        public long Sent;
        public long Received;
    }

    /// <summary>This node's <see cref="PieceAssembler"/>.</summary>
    public IActorRef Assembler { get; }

    /// <summary>
    /// The refs a worker (or evaluator) sends tensor messages to: each server itself when it lives in this
    /// ActorSystem or the plan says <see cref="TensorCarrierKind.Local"/>; otherwise a proxy of the plan's carrier.
    /// Throws with the reason when the data plane is asked for and the server's node announced no endpoint.
    /// </summary>
    public IReadOnlyList<IActorRef> Route(IReadOnlyList<IActorRef> servers, IReadOnlyList<string>? dataPlanes, TrainingPlan plan)
    {
        var routed = new IActorRef[servers.Count];
        for (int i = 0; i < servers.Count; i++)
        {
            IActorRef server = servers[i];
            if (IsLocal(server) || plan.Carrier == TensorCarrierKind.Local)
            {
                routed[i] = server;
            }
            else if (plan.Carrier == TensorCarrierKind.Remote)
            {
                routed[i] = new PiecesRef(this, server, plan.ChunkBytes);
            }
            else
            {
                string endpoint = dataPlanes is not null && i < dataPlanes.Count ? dataPlanes[i] : "";
                if (string.IsNullOrEmpty(endpoint))
                {
                    throw new InvalidOperationException(
                        $"parameter server {i} ({server.Path}) announced no tensor data-plane endpoint: start its node with "
                        + "WithTensorDataPlane, or choose the carrier 'remote' (Akka.Remote in chunks) or 'local'");
                }
                routed[i] = new DataPlaneRef(this, Link(endpoint), server.Path.ToStringWithoutAddress(), server.Path);
            }
        }
        return routed;
    }

    /// <summary>True for an actor of this ActorSystem (no carrier needed).</summary>
    public static bool IsLocal(IActorRef actor) => actor is IInternalActorRef { IsLocal: true };

    /// <summary>Serializes <paramref name="message"/> once and sends it in pieces to <paramref name="target"/>'s node.</summary>
    internal void SendInPieces(object message, IActorRef target, IActorRef? replyTo, int chunkBytes)
    {
        using var buffer = new FrameWriter(TensorBytes(message) + 1024);
        Serializer.Write(buffer, message);
        ReadOnlyMemory<byte> bytes = buffer.Payload;
        string manifest = Serializer.Manifest(message);
        CountSent(replyTo, bytes.Length);
        long transfer = Random.Shared.NextInt64();
        IActorRef assembler = IsLocal(target) ? Assembler : _assemblers.GetOrAdd(target.Path.Address,
            address => _system.Provider.ResolveActorRef(new RootActorPath(address) / "system" / AssemblerName));
        for (int offset = 0; offset < bytes.Length || offset == 0; offset += chunkBytes)
        {
            int length = Math.Min(chunkBytes, bytes.Length - offset);
            assembler.Tell(new MessagePiece(transfer, target, replyTo, manifest, offset, bytes.Length,
                bytes.Slice(offset, length).ToArray()), ActorRefs.NoSender);
            Interlocked.Increment(ref _piecesSent);
            Interlocked.Add(ref _pieceBytesSent, length);
            if (bytes.Length == 0)
            {
                break;
            }
        }
    }

    /// <summary>Queues <paramref name="frame"/> on <paramref name="connection"/>, waiting while its queue is full (flow control).</summary>
    internal void Send(DataPlaneConnection connection, FrameWriter frame)
    {
        try
        {
            if (!connection.TrySend(frame))
            {
                connection.SendAsync(frame).AsTask().GetAwaiter().GetResult();
            }
            Interlocked.Increment(ref _framesSent);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            frame.Dispose();
            _log.Warning("tensor data plane: a message to {0} was dropped: {1}", connection.RemoteEndPoint, e.Message);
        }
    }

    /// <summary>
    /// The number a frame names <paramref name="actor"/> by when it talks to <paramref name="target"/>, so that replies
    /// find it; one per (actor, target), so a reply also says which request it answers (<see cref="DataPlaneLink"/>).
    /// </summary>
    internal int RouteOf(IActorRef actor, string target)
    {
        lock (_routeOf)
        {
            if (!_routeOf.TryGetValue((actor, target), out int route))
            {
                route = ++_nextRoute;
                _routeOf[(actor, target)] = route;
                _routes[route] = actor;
            }
            return route;
        }
    }

    /// <summary>Writes <paramref name="message"/> as one frame (pooled buffer, one copy of its tensors) and queues it.</summary>
    internal void WriteAndSend(DataPlaneConnection connection, string target, int route, object message)
    {
        var frame = new FrameWriter(TensorBytes(message) + 512);
        try
        {
            MessageFrame.WriteByReference(frame, Serializer, target, route, message);
        }
        catch
        {
            frame.Dispose();
            throw;
        }
        if (target.Length > 0 && route != 0 && _routes.TryGetValue(route, out IActorRef? requester))
        {
            // A request from an actor of this node (a reply's frames are counted by the requester's node).
            CountSent(requester, frame.PayloadLength);
        }
        Send(connection, frame);
    }

    /// <summary>True once the ActorSystem terminates: dropped connections are then not reopened.</summary>
    internal bool IsStopping => _stopping;

    /// <summary>Opens a data-plane connection to <paramref name="endpoint"/> ("host:port"), waiting at most 5 s.</summary>
    internal DataPlaneConnection Open(string endpoint)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), out int port))
        {
            throw new FormatException($"data-plane endpoint '{endpoint}' is not host:port");
        }
        string host = endpoint[..colon].Trim('[', ']');
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        DataPlaneConnection connection;
        try
        {
            connection = DataPlaneClient.ConnectAsync(host, port, OnFrame, _options, timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no connection to {endpoint} within 5 s");
        }
        _linkOf[connection] = _links[endpoint];
        _log.Info("tensor data plane: connected to {0}", endpoint);
        return connection;
    }

    /// <summary>A closed connection: its byte counts go to the totals and it is forgotten.</summary>
    internal void Retire(DataPlaneConnection connection)
    {
        if (_linkOf.TryRemove(connection, out _))
        {
            Interlocked.Add(ref _closedBytesSent, connection.BytesSent);
            Interlocked.Add(ref _closedBytesReceived, connection.BytesReceived);
        }
    }

    /// <summary>Tells the actor of <paramref name="route"/> that its request will get no reply.</summary>
    internal void FailRequest(int route, string reason)
    {
        _log.Warning("tensor data plane: {0}", reason);
        if (_routes.TryGetValue(route, out IActorRef? actor))
        {
            actor.Tell(new TensorRequestFailed(reason), ActorRefs.NoSender);
        }
    }

    internal void LogDropped(string endpoint, string reason) =>
        _log.Warning("tensor data plane: a message to {0} was dropped: {1}", endpoint, reason);

    internal void LogResent(string endpoint, int requests, string? reason) =>
        _log.Info("tensor data plane: connection to {0} dropped ({1}); reconnected and sent {2} outstanding request(s) again",
            endpoint, reason, requests);

    /// <summary>Closes every data-plane connection of this node, as a network failure would (for specs).</summary>
    internal void DropConnections()
    {
        foreach (DataPlaneConnection connection in _linkOf.Keys.Concat(_server?.Connections ?? []))
        {
            _ = connection.DisposeAsync().AsTask();
        }
    }

    private IEnumerable<DataPlaneConnection> OpenConnections() => _linkOf.Keys;

    private DataPlaneLink Link(string endpoint) => _links.GetOrAdd(endpoint, e => new DataPlaneLink(this, e));

    /// <summary>Bytes of tensor values in a message: the size hint of its frame.</summary>
    internal static int TensorBytes(object message)
    {
        static long Sum(IReadOnlyList<ChunkValues> values)
        {
            long total = 0;
            foreach (var v in values)
            {
                total += (v.Encoded?.Bytes ?? v.Values.Length * sizeof(float)) + 32;
            }
            return total;
        }
        long bytes = message switch
        {
            PushGradients p => Sum(p.Gradients) + Sum(p.State),
            PushReply r => Sum(r.Weights) + Sum(r.State),
            WeightsReply w => Sum(w.Weights) + Sum(w.State),
            _ => 0,
        };
        return (int)Math.Min(bytes, int.MaxValue / 2);
    }

    /// <summary>
    /// Every frame on every connection of this node, on the connection's receive loop: a reply goes to the actor its
    /// route names; a request goes to its target (only actors under /user) with a sender that answers on this connection.
    /// </summary>
    private void OnFrame(DataPlaneConnection connection, System.Buffers.ReadOnlySequence<byte> payload)
    {
        var (manifest, target, route, bytes) = MessageFrame.ReadHeader(payload, _options.Limits);
        object message = Serializer.Read(bytes, manifest, IsTensorMessage(manifest)
            ? _receiveArrays.GetOrAdd((connection, route), key =>
            {
                _ = key.Connection.Completion.ContinueWith(_ => _receiveArrays.TryRemove(key, out ReceiveArrays? _), TaskScheduler.Default);
                return new ReceiveArrays();
            }).NextMessage()
            : null);
        if (target.Length == 0)
        {
            if (_linkOf.TryGetValue(connection, out DataPlaneLink? link))
            {
                link.Answered(route, message);
            }
            if (_routes.TryGetValue(route, out IActorRef? actor))
            {
                CountReceived(actor, payload.Length);
                actor.Tell(message, ActorRefs.NoSender);
            }
            return;
        }
        if (!target.StartsWith("/user/", StringComparison.Ordinal))
        {
            throw new Protocol.Limits.WireProtocolException(Protocol.Limits.ViolationKind.Malformed,
                $"a data-plane frame may address only actors under /user, not '{target}'");
        }
        IActorRef recipient = _targets.GetOrAdd(target, path => _system.Provider.ResolveActorRef(
            new RootActorPath(_system.Provider.DefaultAddress) / path.Split('/', StringSplitOptions.RemoveEmptyEntries)));
        recipient.Tell(message, new DataPlaneReplyRef(this, connection, route, recipient.Path));
    }

    /// <summary>Pushes and replies, whose values are read into <see cref="ReceiveArrays"/> (see there why that is safe).</summary>
    internal static bool IsTensorMessage(string manifest) =>
        manifest is "distnn.push-gradients" or "distnn.push-reply" or "distnn.weights-reply";

    private async ValueTask DisposeAsync()
    {
        _stopping = true;
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        foreach (DataPlaneConnection connection in _linkOf.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

public sealed class TensorCarrierProvider : ExtensionIdProvider<TensorCarrier>
{
    public override TensorCarrier CreateExtension(ExtendedActorSystem system) => new(system);
}
