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
/// data plane ran on mutual TLS.
/// </summary>
public sealed record PushPullResult(
    string Carrier, bool TwoProcesses, int Floats, double MegabytesEachWay, int RoundTrips, double MsMedian, double MsMean,
    double MsP90, double ClientCpuSeconds, double ServerCpuSeconds, double CpuSecondsPerGb, int ChunkBytes, bool AkkaBatching,
    string Compression, long PushBytesOnWire, long ReplyBytesOnWire, bool Tls = false, int Parts = 1);

public static class PushPullBenchmark
{
    /// <summary>The line a server process prints when ready: the server actor's address, the data-plane endpoint and the run key (hex).</summary>
    public const string ReadyPrefix = "push-pull-server ";

    private const string ServerName = "ps";
    private const string WorkerName = "bench";

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

    /// <summary>The plan of the benchmark: the cnn preset (421,642 parameters), one server, SGD with a tiny rate.</summary>
    public static TrainingPlan Plan(TensorCarrierKind carrier, int chunkBytes) => new()
    {
        ModelName = "cnn",
        Model = ModelPresets.Get("cnn"),
        Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 1e-6f),
        Mode = ConsistencyMode.Async,
        Carrier = carrier,
        ChunkBytes = chunkBytes,
        Threads = 1,
        Seed = 1,
    };

    /// <summary>
    /// Runs the server node until <paramref name="stop"/> completes: an ActorSystem with Akka.Remote and the data plane
    /// and one initialised parameter server; writes <see cref="ReadyPrefix"/> + "actorPath endpoint key" to <paramref name="ready"/>.
    /// </summary>
    public static async Task ServeAsync(TensorCarrierKind carrier, int chunkBytes, Action<string> ready, Task stop, bool akkaBatching = true, string extraHocon = "",
        NodeTls? tls = null)
    {
        using var system = ActorSystem.Create("server", NodeSetup(dataPlane: true, akkaBatching, extraHocon, tls));
        byte[] key = DataPlaneCredential.NewKey();
        var server = await StartServerAsync(system, Plan(carrier, chunkBytes), key);
        string address = server.Path.ToStringWithAddress(((ExtendedActorSystem)system).Provider.DefaultAddress);
        ready($"{ReadyPrefix}{address} {TensorTransports.Get(system).DataPlane.Endpoint} {Convert.ToHexString(key)}");
        await stop;
        await system.Terminate();
    }

    /// <summary>
    /// Times round trips for <paramref name="seconds"/> after a warm-up. With <paramref name="serverProcess"/> the
    /// server runs in that process (started by the caller with <see cref="ServeAsync"/>, its ready line in
    /// <paramref name="readyLine"/>); without, in a second ActorSystem of this process.
    /// </summary>
    /// <remarks>
    /// With a <paramref name="compression"/> the pushed gradient is compressed once by the worker's
    /// <see cref="GradientCompressor"/> and pushed as its encoded bytes every time. The bytes per push and per reply
    /// are counted where they leave and enter the client's socket (data plane) or as the pieces' payloads (remote).
    /// </remarks>
    public static async Task<PushPullResult> RunAsync(TensorCarrierKind carrier, double seconds, int chunkBytes = 64 * 1024,
        Process? serverProcess = null, string? readyLine = null, bool akkaBatching = true, string extraHocon = "",
        string compression = "none", NodeTls? tls = null, NodeTls? serverTls = null, int parts = 1)
    {
        var plan = Plan(carrier, chunkBytes);
        ActorSystem? serverSystem = null;
        string serverPath;
        string endpoint;
        byte[] key;
        if (serverProcess is null)
        {
            serverSystem = ActorSystem.Create("server", NodeSetup(dataPlane: true, akkaBatching, extraHocon, serverTls));
            key = DataPlaneCredential.NewKey();
            var server = await StartServerAsync(serverSystem, plan, key);
            serverPath = server.Path.ToStringWithAddress(((ExtendedActorSystem)serverSystem).Provider.DefaultAddress);
            endpoint = TensorTransports.Get(serverSystem).DataPlane.Endpoint;
        }
        else
        {
            string[] fields = readyLine![ReadyPrefix.Length..].Split(' ');
            (serverPath, endpoint, key) = (fields[0], fields[1], Convert.FromHexString(fields[2]));
        }
        using var client = ActorSystem.Create("client", NodeSetup(dataPlane: false, akkaBatching, extraHocon, tls));
        try
        {
            IActorRef remote = ((ExtendedActorSystem)client).Provider.ResolveActorRef(serverPath);
            IActorRef proxy = TensorRouting.Route(client, [remote], [endpoint], plan, DataPlaneCredential.Issue(key, WorkerName))[0];
            var weights = await proxy.Ask<WeightsReply>(new PullWeights(1), TimeSpan.FromSeconds(30));
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
            var clientCarrier = TensorTransports.Get(client).Counters;
            long Sent() => carrier == TensorCarrierKind.Dataplane ? clientCarrier.DataPlaneBytesSent : clientCarrier.PieceBytesSent;
            long Received() => clientCarrier.DataPlaneBytesReceived;

            // Warm-up: a second of round trips (JIT, connection and socket buffers).
            await Drive(client, proxy, groups, TimeSpan.FromSeconds(1));
            var self = Process.GetCurrentProcess();
            serverProcess?.Refresh();
            TimeSpan clientCpu0 = self.TotalProcessorTime;
            TimeSpan serverCpu0 = serverProcess?.TotalProcessorTime ?? TimeSpan.Zero;
            (long sent0, long received0) = (Sent(), Received());
            List<double> times = await Drive(client, proxy, groups, TimeSpan.FromSeconds(seconds));
            (long sent, long received) = (Sent() - sent0, Received() - received0);
            self.Refresh();
            serverProcess?.Refresh();
            double clientCpu = (self.TotalProcessorTime - clientCpu0).TotalSeconds;
            double serverCpu = serverProcess is null ? 0 : (serverProcess.TotalProcessorTime - serverCpu0).TotalSeconds;
            times.Sort();
            double bytesEachWay = 4.0 * floats;
            // Bytes moved: counted on the socket on the data plane (compressed pushes are smaller), else dense both ways.
            double gigabytes = (carrier == TensorCarrierKind.Dataplane ? sent + received : 2 * bytesEachWay * times.Count) / 1e9;
            return new PushPullResult(carrier.ToString().ToLowerInvariant(), serverProcess is not null, floats,
                Math.Round(bytesEachWay / 1e6, 3), times.Count, Math.Round(times[times.Count / 2], 3), Math.Round(times.Average(), 3),
                Math.Round(times[(int)(times.Count * 0.9)], 3), Math.Round(clientCpu, 3), Math.Round(serverCpu, 3),
                Math.Round((clientCpu + serverCpu) / gigabytes, 2), chunkBytes, akkaBatching, compression,
                sent / times.Count, carrier == TensorCarrierKind.Dataplane ? received / times.Count : -1, tls is not null, parts);
        }
        finally
        {
            await client.Terminate();
            if (serverSystem is not null)
            {
                await serverSystem.Terminate();
                serverSystem.Dispose();
            }
        }
    }

    private static async Task<IActorRef> StartServerAsync(ActorSystem system, TrainingPlan plan, byte[] key)
    {
        var server = system.ActorOf(ParameterServer.Props(null), ServerName);
        await server.Ask<ServerReady>(new InitServer(plan.ToMessage(), 0, 1, key), TimeSpan.FromSeconds(60));
        server.Tell(new LiveWorkers([WorkerName]));
        return server;
    }

    private static async Task<List<double>> Drive(ActorSystem system, IActorRef proxy, List<List<ChunkValues>> parts, TimeSpan duration)
    {
        var done = new TaskCompletionSource<List<double>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new Driver(proxy, parts, duration, done)));
        return await done.Task;
    }

    /// <summary>
    /// Pushes (every part at once), waits for the reply to each part, pushes again, until the time is up; records each
    /// round trip in ms.
    /// </summary>
    private sealed class Driver : ReceiveActor
    {
        private static long s_step;
        private readonly IActorRef _proxy;
        private readonly List<List<ChunkValues>> _parts;
        private readonly List<double> _times = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _sentAt;
        private int _waiting;

        public Driver(IActorRef proxy, List<List<ChunkValues>> parts, TimeSpan duration, TaskCompletionSource<List<double>> done)
        {
            _proxy = proxy;
            _parts = parts;
            Receive<PushReply>(reply =>
            {
                if (--_waiting > 0)
                {
                    return;
                }
                _times.Add(Stopwatch.GetElapsedTime(_sentAt).TotalMilliseconds);
                if (_clock.Elapsed >= duration)
                {
                    done.TrySetResult(_times);
                    Context.Stop(Self);
                    return;
                }
                Push();
            });
        }

        protected override void PreStart() => Push();

        private void Push()
        {
            long step = Interlocked.Increment(ref s_step);
            _sentAt = Stopwatch.GetTimestamp();
            _waiting = _parts.Count;
            for (int part = 0; part < _parts.Count; part++)
            {
                _proxy.Tell(new PushGradients(WorkerName, step, 1, (int)step, 1, 0, _parts[part], [], Part: part, Parts: _parts.Count), Self);
            }
        }
    }
}
