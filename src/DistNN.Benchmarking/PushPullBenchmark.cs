using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Actors;
using DistNN.Training.Carriers;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Parameters;
using DistNN.Training.Configuration;
using DistNN.Training.Plan;
using DistNN.Transport.Security;

namespace DistNN.Benchmarking;

/// <summary>
/// One push-pull round trip between nodes, timed: a worker-side driver on the client node pushes a gradient of the
/// cnn's size (421,642 floats, 1.69 MB) to a parameter server on the server node and waits for the reply with the
/// weights (1.69 MB back), over the data plane or over Akka.Remote in pieces. The server node is normally another
/// process (<see cref="ServeAsync"/>); CPU time is read from both processes before and after the timed stretch. Tls: the
/// data plane ran on mutual TLS. With Clients K ≥ 1 the server runs in sync mode and K clients push each round (RoundTrips
/// counts rounds; the bytes on the wire are one client's): ServerCpuMsPerRound is the server's CPU per sync round and
/// ClientCpuMsPerRound one client's (the clients are ActorSystems of one process: its CPU over K). Clients 0: one async
/// client. With LastAlone, each round's part 0 is sent only once the other parts' replies are in, and its round trip is
/// timed on its own (MsLastPart…, LastPartFloats values), as the last part of an overlapped worker's push goes. With
/// RoundMs, each client starts a round at most every RoundMs (as a worker computing between pushes), and the server's
/// idle CPU and the clients' (ServerIdleCores, ClientIdleCores, measured for 2 s before) are taken off their CPU per round; with part shares, part p
/// leaves share p × RoundMs after its round began (as an overlapped worker's part leaves when the backward pass has
/// finished its layer), else every part at once.
/// </summary>
public sealed record PushPullResult(
    string Carrier, bool TwoProcesses, int Floats, double MegabytesEachWay, int RoundTrips, double MsMedian, double MsMean,
    double MsP90, double ClientCpuSeconds, double ServerCpuSeconds, double CpuSecondsPerGb, int ChunkBytes, bool AkkaBatching,
    string Compression, long PushBytesOnWire, long ReplyBytesOnWire, bool Tls = false, int Parts = 1, int Clients = 0,
    string Mode = "async", double ServerCpuMsPerRound = 0, double ClientCpuMsPerRound = 0, double MsLastPartMedian = 0,
    double MsLastPartMean = 0, int LastPartFloats = 0, double RoundMs = 0, double ServerIdleCores = 0, double ClientIdleCores = 0);

public static class PushPullBenchmark
{
    /// <summary>The line a server process prints when ready: the server actor's address, the data-plane endpoint and the run key (hex).</summary>
    public const string ReadyPrefix = "push-pull-server ";

    private const string ServerName = "ps";
    private const string WorkerName = "bench";

    /// <summary>The steps the runs of this process have taken for themselves, a million each.</summary>
    private static long s_steps;

    /// <summary>
    /// A bench node: reference.conf, Akka.Remote on a free loopback port, the serializer, the data plane on the server;
    /// <paramref name="extraHocon"/> (the user's --akka-config) over it all; the data plane on mutual TLS with <paramref name="tls"/>.
    /// </summary>
    public static ActorSystemSetup NodeSetup(bool dataPlane, bool akkaBatching = true, string extraHocon = "", NodeTls? tls = null)
    {
        var config = ConfigurationFactory.ParseString(extraHocon)
            .WithFallback(DistNNReference.Values(
                ("akka.actor.provider", "remote"),
                ("akka.remote.dot-netty.tcp.hostname", "127.0.0.1"),
                ("akka.remote.dot-netty.tcp.port", "0"),
                ("akka.remote.dot-netty.tcp.batching.enabled", akkaBatching ? null : "off")))
            .WithFallback(dataPlane ? DataPlaneSettings.On("127.0.0.1", 0, null) : Config.Empty)
            .WithFallback(DistNNReference.Config);
        var setup = BootstrapSetup.Create().WithConfig(config).And(ProtocolSerializer.Setup);
        return tls is null ? setup : setup.And(new DataPlaneTlsSetup(tls));
    }

    /// <summary>
    /// The plan of the benchmark: the cnn preset (421,642 parameters), one server, SGD with a tiny rate; sync rounds of
    /// <paramref name="clients"/> workers, or async (0).
    /// </summary>
    public static TrainingPlan Plan(TensorCarrierKind carrier, int chunkBytes, int clients = 0) => new()
    {
        ModelName = "cnn",
        Model = ModelPresets.Get("cnn"),
        Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 1e-6f),
        Mode = clients > 0 ? ConsistencyMode.Sync : ConsistencyMode.Async,
        Carrier = carrier,
        ChunkBytes = chunkBytes,
        Threads = 1,
        Seed = 1,
    };

    /// <summary>The workers the server counts as live: "bench" for one async client, bench-0 … bench-(K−1) for K in sync.</summary>
    public static IReadOnlyList<string> WorkerNames(int clients) =>
        clients > 0 ? Enumerable.Range(0, clients).Select(k => $"{WorkerName}-{k}").ToList() : [WorkerName];

    /// <summary>
    /// Runs the server node until <paramref name="stop"/> completes: an ActorSystem with Akka.Remote and the data plane
    /// and one initialised parameter server (sync rounds of <paramref name="clients"/> workers, or async with 0); writes
    /// <see cref="ReadyPrefix"/> + "actorPath endpoint key" to <paramref name="ready"/>.
    /// </summary>
    public static async Task ServeAsync(TensorCarrierKind carrier, int chunkBytes, Action<string> ready, Task stop, bool akkaBatching = true, string extraHocon = "",
        NodeTls? tls = null, int clients = 0)
    {
        using var system = ActorSystem.Create("server", NodeSetup(dataPlane: true, akkaBatching, extraHocon, tls));
        byte[] key = DataPlaneCredential.NewKey();
        var server = await StartServerAsync(system, Plan(carrier, chunkBytes, clients), key, WorkerNames(clients));
        string address = server.Path.ToStringWithAddress(((ExtendedActorSystem)system).Provider.DefaultAddress);
        ready($"{ReadyPrefix}{address} {TensorTransports.Get(system).DataPlane.Endpoint} {Convert.ToHexString(key)}");
        await stop;
        await system.Terminate();
    }

    /// <summary>
    /// Times round trips for <paramref name="seconds"/> after a warm-up. With <paramref name="serverProcess"/> the
    /// server runs in that process (started by the caller with <see cref="ServeAsync"/>, its ready line in
    /// <paramref name="readyLine"/>, with the same <paramref name="clients"/>); without, in a second ActorSystem of this process.
    /// </summary>
    /// <remarks>
    /// With a <paramref name="compression"/> the pushed gradient is compressed once by the worker's
    /// <see cref="GradientCompressor"/> and pushed as its encoded bytes every time. The bytes per push and per reply
    /// are counted where they leave and enter the client's socket (data plane) or as the pieces' payloads (remote).
    /// With <paramref name="clients"/> K ≥ 1, K client ActorSystems of this process, each with its own connection, push
    /// every round and the server answers each chunk when all K pushes have it (sync).
    /// </remarks>
    public static async Task<PushPullResult> RunAsync(TensorCarrierKind carrier, double seconds, int chunkBytes = 64 * 1024,
        Process? serverProcess = null, string? readyLine = null, bool akkaBatching = true, string extraHocon = "",
        string compression = "none", NodeTls? tls = null, NodeTls? serverTls = null, int parts = 1, int clients = 0, bool lastAlone = false,
        double roundMs = 0, IReadOnlyList<double>? partShares = null)
    {
        if (partShares is not null && (partShares.Count != parts || partShares.Any(f => !(f >= 0 && f <= 1)) || !(roundMs > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(partShares), $"--part-shares: one share in [0, 1] per part ({parts}), with --round-ms (got {partShares.Count})");
        }
        if (!(roundMs >= 0) || double.IsInfinity(roundMs))
        {
            throw new ArgumentOutOfRangeException(nameof(roundMs), $"--round-ms: a finite number of ms, not negative (got {roundMs})");
        }
        if (clients < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(clients), $"--clients: at least 1 (got {clients})");
        }
        if (lastAlone && parts < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(parts), $"--last-part-alone needs --parts of at least 2 (got {parts})");
        }
        var plan = Plan(carrier, chunkBytes, clients);
        var names = WorkerNames(clients);
        ActorSystem? serverSystem = null;
        string serverPath;
        string endpoint;
        byte[] key;
        if (serverProcess is null)
        {
            serverSystem = ActorSystem.Create("server", NodeSetup(dataPlane: true, akkaBatching, extraHocon, serverTls));
            key = DataPlaneCredential.NewKey();
            var server = await StartServerAsync(serverSystem, plan, key, names);
            serverPath = server.Path.ToStringWithAddress(((ExtendedActorSystem)serverSystem).Provider.DefaultAddress);
            endpoint = TensorTransports.Get(serverSystem).DataPlane.Endpoint;
        }
        else
        {
            string[] fields = readyLine![ReadyPrefix.Length..].Split(' ');
            (serverPath, endpoint, key) = (fields[0], fields[1], Convert.FromHexString(fields[2]));
        }
        var systems = names.Select((_, k) => ActorSystem.Create($"client{k}", NodeSetup(dataPlane: false, akkaBatching, extraHocon, tls))).ToList();
        try
        {
            var proxies = systems.Select((client, k) =>
            {
                IActorRef remote = ((ExtendedActorSystem)client).Provider.ResolveActorRef(serverPath);
                return TensorRouting.Route(client, [remote], [endpoint], plan, DataPlaneCredential.Issue(key, names[k]))[0];
            }).ToList();
            var weights = await proxies[0].Ask<WeightsReply>(new PullWeights(1), TimeSpan.FromSeconds(30));
            var random = new Random(1);
            var compressor = GradientCompressor.For(Protocol.Codecs.Compression.Parse(compression));
            var gradients = weights.Weights.Select(w =>
            {
                float[] values = Enumerable.Range(0, w.Values.Length).Select(_ => (random.NextSingle() - 0.5f) * 1e-3f).ToArray();
                var chunk = new ParameterChunk(w.ChunkId, w.ChunkId, "g", 0, values.Length, true, false, 0);
                return new ChunkValues(w.ChunkId, 0, values) { Encoded = compressor?.Apply(chunk, values) };
            }).ToList();
            int floats = gradients.Sum(g => g.Values.Length);
            if (parts < 1 || parts > gradients.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(parts), $"--parts: from 1 to the model's {gradients.Count} chunks (got {parts})");
            }
            // A push in parts, as an overlapped worker sends it (a part per layer): the chunks in consecutive groups.
            var groups = Enumerable.Range(0, parts)
                .Select(p => gradients.Skip(p * gradients.Count / parts).Take((p + 1) * gradients.Count / parts - p * gradients.Count / parts).ToList())
                .ToList();
            var counters = systems.Select(c => TensorTransports.Get(c).Counters).ToList();
            long Sent() => carrier == TensorCarrierKind.Dataplane ? counters.Sum(c => c.DataPlaneBytesSent) : counters.Sum(c => c.PieceBytesSent);
            long Received() => counters.Sum(c => c.DataPlaneBytesReceived);
            // Steps above any earlier run's against the same server (--tls measures one server process several times).
            long first = Interlocked.Add(ref s_steps, 1_000_000);
            var steps = names.Select(_ => first).ToArray();

            // Warm-up: a second of round trips (JIT, connection and socket buffers).
            var pace = TimeSpan.FromMilliseconds(roundMs);
            var delays = Enumerable.Range(0, parts).Select(p => partShares is null ? TimeSpan.Zero : pace * partShares[p]).ToList();
            await Drive(systems, proxies, names, steps, groups, TimeSpan.FromSeconds(1), lastAlone, pace, delays);
            var self = Process.GetCurrentProcess();
            // Paced rounds leave the server idle between them: its idle CPU (timers, the runtime) is measured first and taken off.
            double idleCores = 0;
            double clientIdleCores = 0;
            if (roundMs > 0 && serverProcess is not null)
            {
                var (idle, idleSeconds) = await ProcessCpu.OverAsync(TimeSpan.FromSeconds(2), serverProcess, self);
                (idleCores, clientIdleCores) = (idle[0] / idleSeconds, idle[1] / idleSeconds);
            }
            serverProcess?.Refresh();
            var timed = Stopwatch.StartNew();
            TimeSpan clientCpu0 = self.TotalProcessorTime;
            TimeSpan serverCpu0 = serverProcess?.TotalProcessorTime ?? TimeSpan.Zero;
            (long sent0, long received0) = (Sent(), Received());
            var (times, lastTimes) = await Drive(systems, proxies, names, steps, groups, TimeSpan.FromSeconds(seconds), lastAlone, pace, delays);
            double elapsed = timed.Elapsed.TotalSeconds;
            (long sent, long received) = (Sent() - sent0, Received() - received0);
            self.Refresh();
            serverProcess?.Refresh();
            double clientCpu = (self.TotalProcessorTime - clientCpu0).TotalSeconds;
            double serverCpu = serverProcess is null ? 0 : (serverProcess.TotalProcessorTime - serverCpu0).TotalSeconds;
            // Every client completes the same rounds (sync) or there is one: the rounds are one client's round trips.
            int rounds = times.Count / names.Count;
            times.Sort();
            lastTimes.Sort();
            double bytesEachWay = 4.0 * floats;
            // Bytes moved: counted on the socket on the data plane (compressed pushes are smaller), else dense both ways.
            double gigabytes = (carrier == TensorCarrierKind.Dataplane ? sent + received : 2 * bytesEachWay * times.Count) / 1e9;
            return new PushPullResult(carrier.ToString().ToLowerInvariant(), serverProcess is not null, floats,
                Math.Round(bytesEachWay / 1e6, 3), rounds, Math.Round(times[times.Count / 2], 3), Math.Round(times.Average(), 3),
                Math.Round(times[(int)(times.Count * 0.9)], 3), Math.Round(clientCpu, 3), Math.Round(serverCpu, 3),
                Math.Round((clientCpu + serverCpu) / gigabytes, 2), chunkBytes, akkaBatching, compression,
                sent / times.Count, carrier == TensorCarrierKind.Dataplane ? received / times.Count : -1, tls is not null, parts,
                clients, clients > 0 ? "sync" : "async", Math.Round(Math.Max(0, serverCpu - idleCores * elapsed) / rounds * 1e3, 4), Math.Round(Math.Max(0, clientCpu - clientIdleCores * elapsed) / times.Count * 1e3, 4),
                lastAlone ? Math.Round(lastTimes[lastTimes.Count / 2], 4) : 0, lastAlone ? Math.Round(lastTimes.Average(), 4) : 0,
                lastAlone ? groups[0].Sum(g => g.Values.Length) : 0, roundMs, Math.Round(idleCores, 4), Math.Round(clientIdleCores, 4));
        }
        finally
        {
            foreach (var client in systems)
            {
                await client.Terminate();
            }
            if (serverSystem is not null)
            {
                await serverSystem.Terminate();
                serverSystem.Dispose();
            }
        }
    }

    private static async Task<IActorRef> StartServerAsync(ActorSystem system, TrainingPlan plan, byte[] key, IReadOnlyList<string> workers)
    {
        var server = system.ActorOf(ParameterServer.Props(null), ServerName);
        await server.Ask<ServerReady>(new InitServer(plan.ToMessage(), 0, 1, key), TimeSpan.FromSeconds(60));
        server.Tell(new LiveWorkers(workers));
        return server;
    }

    /// <summary>
    /// Every client drives its rounds for <paramref name="duration"/>; returns all their round trips and, with
    /// <paramref name="lastAlone"/>, the last parts' round trips (ms).
    /// </summary>
    private static async Task<(List<double> Times, List<double> LastTimes)> Drive(IReadOnlyList<ActorSystem> systems, IReadOnlyList<IActorRef> proxies,
        IReadOnlyList<string> names, long[] steps, List<List<ChunkValues>> parts, TimeSpan duration, bool lastAlone, TimeSpan pace, IReadOnlyList<TimeSpan> delays)
    {
        var end = new RoundsEnd(names.Count);
        var drivers = names.Select((name, k) =>
        {
            var done = new TaskCompletionSource<(List<double>, List<double>)>(TaskCreationOptions.RunContinuationsAsynchronously);
            systems[k].ActorOf(Props.Create(() => new Driver(proxies[k], name, k, names.Count, steps, parts, duration, lastAlone, pace, delays, end, done)));
            return done.Task;
        }).ToList();
        var results = await Task.WhenAll(drivers);
        return (results.SelectMany(r => r.Item1).ToList(), results.SelectMany(r => r.Item2).ToList());
    }

    /// <summary>
    /// When the clients stop: after the round that the first client to see the time up names. In sync rounds a client may
    /// have pushed the next round already, so with several clients that is the next round, which all of them complete.
    /// </summary>
    private sealed class RoundsEnd(int clients)
    {
        private int _last = int.MaxValue;

        /// <summary>Whether a client that has just completed <paramref name="rounds"/> rounds stops, the time being <paramref name="up"/>.</summary>
        public bool Stops(int rounds, bool up)
        {
            if (up)
            {
                Interlocked.CompareExchange(ref _last, clients > 1 ? rounds + 1 : rounds, int.MaxValue);
            }
            return rounds >= Volatile.Read(ref _last);
        }
    }

    /// <summary>
    /// Pushes (every part at once, or with lastAlone part 0 once the others are answered), waits for the reply to each
    /// part, pushes again (with a pace, not before the pace has passed since the round began), until the rounds end;
    /// records each round trip (and the last part's) in ms.
    /// </summary>
    private sealed class Driver : ReceiveActor
    {
        private readonly IActorRef _proxy;
        private readonly string _name;
        private readonly int _index;
        private readonly int _clients;
        private readonly long[] _steps;
        private readonly List<List<ChunkValues>> _parts;
        private readonly bool _lastAlone;
        private readonly IReadOnlyList<TimeSpan> _delays;
        private readonly List<double> _times = [];
        private readonly List<double> _lastTimes = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _sentAt;
        private long _lastSentAt;
        private int _waiting;

        public Driver(IActorRef proxy, string name, int index, int clients, long[] steps, List<List<ChunkValues>> parts, TimeSpan duration,
            bool lastAlone, TimeSpan pace, IReadOnlyList<TimeSpan> delays, RoundsEnd end, TaskCompletionSource<(List<double>, List<double>)> done)
        {
            _delays = delays;
            Receive<NextRound>(_ => Push());
            Receive<SendPart>(p => Send(p.Part));
            (_proxy, _name, _index, _clients, _steps, _parts, _lastAlone) = (proxy, name, index, clients, steps, parts, lastAlone);
            Receive<PushReply>(reply =>
            {
                if (--_waiting > 0)
                {
                    return;
                }
                if (_lastAlone && reply.Part != 0)
                {
                    _waiting = 1;
                    _lastSentAt = Stopwatch.GetTimestamp();
                    Send(0);
                    return;
                }
                if (_lastAlone)
                {
                    _lastTimes.Add(Stopwatch.GetElapsedTime(_lastSentAt).TotalMilliseconds);
                }
                _times.Add(Stopwatch.GetElapsedTime(_sentAt).TotalMilliseconds);
                if (end.Stops(_times.Count, _clock.Elapsed >= duration))
                {
                    done.TrySetResult((_times, _lastTimes));
                    Context.Stop(Self);
                    return;
                }
                var rest = pace - Stopwatch.GetElapsedTime(_sentAt);
                if (rest > TimeSpan.Zero)
                {
                    Task.Delay(rest).ContinueWith(_ => NextRound.Instance, TaskScheduler.Default).PipeTo(Self);
                    return;
                }
                Push();
            });
        }

        /// <summary>A part's time in its round has come: send it.</summary>
        private sealed record SendPart(int Part);

        /// <summary>The pace has passed: start the next round.</summary>
        private sealed class NextRound
        {
            public static readonly NextRound Instance = new();
        }

        protected override void PreStart() => Push();

        private void Push()
        {
            _steps[_index]++;
            _sentAt = Stopwatch.GetTimestamp();
            int first = _lastAlone ? 1 : 0;
            _waiting = _parts.Count - first;
            for (int part = first; part < _parts.Count; part++)
            {
                if (_delays[part] > TimeSpan.Zero)
                {
                    int later = part;
                    Task.Delay(_delays[part]).ContinueWith(_ => new SendPart(later), TaskScheduler.Default).PipeTo(Self);
                }
                else
                {
                    Send(part);
                }
            }
        }

        private void Send(int part)
        {
            long step = _steps[_index];
            // A batch id of its own per client and round: the server applies each (epoch, batch) once.
            int batch = (int)(step * _clients + _index);
            _proxy.Tell(new PushGradients(_name, step, 1, batch, 1, 0, _parts[part], [], Part: part, Parts: _parts.Count), Self);
        }
    }
}
