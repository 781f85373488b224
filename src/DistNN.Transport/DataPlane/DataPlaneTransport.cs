using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// The tensor data plane of one node: TCP connections beside Akka.Remote (a Unix domain socket between nodes of one
/// host). A server node listens (<see cref="Listen"/>) and announces its endpoint (<see cref="Announcement"/>); an actor elsewhere sends through a <see cref="DataPlaneRef"/> on the
/// <see cref="DataPlaneLink"/> to that endpoint, and frames on either end go to the <see cref="FrameDispatcher"/>, which
/// delivers requests only to the servers this node serves (<see cref="Serve"/>) and refuses everything else.
/// </summary>
public sealed class DataPlaneTransport : ITensorTransport, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, DataPlaneLink> _links = new();
    private readonly ConcurrentDictionary<string, ServedServer> _served = new();
    private DataPlaneServer? _server;
    private volatile bool _stopping;

    /// <summary>
    /// The data plane of <paramref name="system"/>; <paramref name="options"/> (TLS, caps, timeouts) apply to its
    /// connections both ways, with their events logged to <paramref name="log"/> and refusals counted in <paramref name="counters"/>.
    /// </summary>
    public DataPlaneTransport(ExtendedActorSystem system, ProtocolSerializer serializer, TransportCounters counters, ILoggingAdapter log,
        DataPlaneOptions? options = null)
    {
        Provider = system.Provider;
        Serializer = serializer;
        Counters = counters;
        Log = log;
        Options = (options ?? DataPlaneOptions.Default) with { Log = line => log.Info(line), Refused = Report };
        Dispatcher = new FrameDispatcher(this);
    }

    /// <summary>This node's TCP endpoint as announced ("host:port"), or empty when it listens on none.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>
    /// What a server node announces to its clients: <see cref="Endpoint"/>, and its local socket when it listens on one
    /// (<see cref="DataPlaneAddress"/>); empty when it listens on none.
    /// </summary>
    public string Announcement { get; private set; } = "";

    /// <summary>The path of this node's local socket, or null when it has none.</summary>
    public string? LocalSocketPath => _server?.LocalSocketPath;

    internal IActorRefProvider Provider { get; }

    internal ProtocolSerializer Serializer { get; }

    internal TransportCounters Counters { get; }

    internal ILoggingAdapter Log { get; }

    internal DataPlaneOptions Options { get; }

    internal RouteTable Routes { get; } = new();

    internal FrameDispatcher Dispatcher { get; }

    /// <summary>True once the node stops: dropped connections are then not opened again.</summary>
    internal bool IsStopping => _stopping;

    /// <summary>
    /// Listens on <paramref name="host"/>:<paramref name="port"/> (0: any free port), announced with <paramref name="announcedHost"/>,
    /// and with <see cref="DataPlaneOptions.LocalSocket"/> on a Unix domain socket in <paramref name="socketDirectory"/>
    /// (default: the user's runtime directory, else the temporary one).
    /// </summary>
    public void Listen(string host, int port, string announcedHost, string? socketDirectory = null)
    {
        string? localPath = Options.LocalSocket && HostIdentity.Current is not null ? NewSocketPath(socketDirectory) : null;
        _server = DataPlaneServer.Start(host, port, (connection, payload) => Dispatcher.OnFrame(connection, payload, null), Options,
            (connection, start) => Dispatcher.Place(connection, start, null), localPath);
        Endpoint = $"{(string.IsNullOrEmpty(announcedHost) ? host : announcedHost)}:{_server.LocalEndPoint.Port}";
        Announcement = _server.LocalSocketPath is { } path
            ? (DataPlaneAddress.Parse(Endpoint) with { HostId = HostIdentity.Current, SocketPath = path }).ToString()
            : Endpoint;
        Log.Info("tensor data plane listening on {0}{1}, announced as {2}, {3}", _server.LocalEndPoint,
            _server.LocalSocketPath is { } local ? $" and {local}" : "", Endpoint, Options.Tls is null ? "no TLS" : "mutual TLS");
    }

    /// <summary>
    /// A fresh socket path no other node can be using (a random name, bound once); the files that nodes killed before
    /// they could remove theirs left in <paramref name="directory"/> are removed first (<see cref="LocalSocketFiles"/>).
    /// </summary>
    private static string NewSocketPath(string? directory)
    {
        string? runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        directory ??= !string.IsNullOrEmpty(runtime) && Directory.Exists(runtime) ? runtime : Path.GetTempPath();
        LocalSocketFiles.RemoveStale(directory);
        return Path.Combine(directory, $"{LocalSocketFiles.Prefix}{Environment.ProcessId}-{System.Security.Cryptography.RandomNumberGenerator.GetHexString(12, lowercase: true)}.sock");
    }

    /// <summary>
    /// Takes requests for <paramref name="server"/> (an actor of this node) from now on, from senders whose credential was
    /// issued under <paramref name="key"/> (the run's key, from the coordinator); until then, and after
    /// <see cref="StopServing"/>, frames to it are refused.
    /// </summary>
    public void Serve(IActorRef server, byte[] key)
    {
        if (key.Length < DataPlaneCredential.KeyBytes)
        {
            throw new ArgumentException($"a data-plane key has {DataPlaneCredential.KeyBytes} bytes, not {key.Length}", nameof(key));
        }
        _served[server.Path.ToStringWithoutAddress()] = new ServedServer(server, key.ToArray());
    }

    /// <summary>Refuses requests for <paramref name="server"/> again (it stopped).</summary>
    public void StopServing(IActorRef server) => _served.TryRemove(server.Path.ToStringWithoutAddress(), out _);

    internal bool TryServed(string target, out ServedServer served) => _served.TryGetValue(target, out served!);

    /// <summary>Counts the refusal, logs the first of its kind, and closes <paramref name="connection"/>.</summary>
    internal void Refuse(DataPlaneConnection connection, DataPlaneRefusal reason, string what)
    {
        Report(reason, $"{what} from {connection.RemoteEndPoint}");
        connection.Abort($"refused {what}");
    }

    private void Report(DataPlaneRefusal reason, string what)
    {
        if (Counters.Refuse(reason))
        {
            Log.Warning("tensor data plane: refused {0} ({1}; further refusals of this kind are counted, not logged)", what, reason);
        }
    }

    /// <summary>A ref that sends to <paramref name="server"/> over the data plane of its node at <paramref name="endpoint"/>, its requests carrying <paramref name="credential"/>.</summary>
    public IActorRef To(IActorRef server, string endpoint, DataPlaneCredential? credential = null)
    {
        if (string.IsNullOrEmpty(endpoint))
        {
            throw new InvalidOperationException(
                $"parameter server {server.Path} announced no tensor data-plane endpoint: start its node with "
                + "WithTensorDataPlane, or choose the carrier 'remote' (Akka.Remote in chunks) or 'local'");
        }
        DataPlaneLink link = _links.GetOrAdd(endpoint, e => new DataPlaneLink(e, this));
        return new DataPlaneRef(link, server.Path.ToStringWithoutAddress(), server.Path, Provider, credential);
    }

    /// <summary>Closes every data-plane connection of this node, as a network failure would (for specs).</summary>
    internal void DropConnections()
    {
        foreach (DataPlaneLink link in _links.Values)
        {
            link.Drop();
        }
        foreach (DataPlaneConnection connection in _server?.Connections ?? [])
        {
            _ = connection.DisposeAsync().AsTask();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        if (Counters.Refused > 0)
        {
            Log.Warning("tensor data plane: refused {0} in all ({1})", Counters.Refused, string.Join(", ",
                Enum.GetValues<DataPlaneRefusal>().Where(r => Counters.RefusedOf(r) > 0).Select(r => $"{r} {Counters.RefusedOf(r)}")));
        }
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        foreach (DataPlaneLink link in _links.Values)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>A parameter server this node serves on the data plane, and the run key its requesters' credentials are issued under.</summary>
internal readonly record struct ServedServer(IActorRef Server, byte[] Key);
