using System.Diagnostics;
using Akka.Actor;
using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Actors;
using DistNN.Training.Carriers;
using DistNN.Training.Configuration;
using DistNN.Training.Engine;

namespace DistNN.Training.Simulation;

/// <summary>
/// A cluster of the plan's workers and servers in one process on a virtual clock: the real coordinator, parameter
/// servers and workers exchange their real messages, but each mailbox runs on this one thread
/// (<see cref="SimulationDispatcher"/>), a worker's forward/backward is a charged compute time
/// (<see cref="SimulatedCompute"/>), and every push, pull and reply crosses a modelled network
/// (<see cref="SimulatedNetwork"/>) as its real data-plane frame's bytes. Time moves only when nothing is left to run,
/// to the next delivery or end of a computation, so hundreds of workers fit on a few cores and a run is deterministic.
/// </summary>
public sealed class ClusterSimulation
{
    private readonly SimulationOptions _options;
    private readonly VirtualClock _clock = new();
    private readonly SimulatedNetwork _network;
    private readonly SharedCores _cores;
    private readonly Dictionary<string, long> _applies = [];
    private readonly Dictionary<(string Server, int Chunk), long> _chunkVersions = [];
    /// <summary>Each server's trainable chunks (its round's cost is shared among them).</summary>
    private readonly Dictionary<string, int> _trainableChunks = [];
    private FrameSizes _sizes = null!;
    private double _firstCompute = double.NaN;
    private double _lastReply;
    private readonly SortedDictionary<string, (long Count, long Bytes)> _messages = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, BatchTimeline> _timelines = new(StringComparer.Ordinal);

    private ClusterSimulation(SimulationOptions options)
    {
        _options = options;
        _network = new SimulatedNetwork(options.Link);
        _cores = new SharedCores(_clock, options.Cores, options.Cores > 0 ? options.TotalBackgroundCores : 0, options.PreemptionSeconds);
        var layout = Parameters.ParameterLayout.For(ModelBuilder.Build(options.Plan.Model, options.Plan.Seed), options.Plan.Servers);
        for (int s = 0; s < options.Plan.Servers; s++)
        {
            _trainableChunks[$"ps-{s}"] = layout.ChunksOf(s).Count(c => !c.IsState);
        }
    }

    internal int Seed => _options.Plan.Seed;

    /// <summary>Runs <paramref name="options"/>' plan for its steps per worker; throws if the run fails.</summary>
    public static SimulationResult Run(SimulationOptions options)
    {
        options.Validate();
        return new ClusterSimulation(options).Execute();
    }

    /// <summary>
    /// The simulated workers never read a sample: the training set is placeholders, workers × steps batches of them,
    /// so one epoch is exactly the run; the test set (the evaluator's one real pass) is a batch of zeros.
    /// </summary>
    public static InMemoryDataSource Placeholders(SimulationOptions options)
    {
        var plan = options.Plan;
        int train = checked(plan.Workers * options.Steps * plan.BatchSize);
        var model = ModelBuilder.Build(plan.Model, plan.Seed);
        int classes = model.OutputShape.Aggregate(1, (a, b) => a * b);
        int sample = model.InputShape.Aggregate(1, (a, b) => a * b);
        int test = Math.Min(plan.BatchSize, 16);
        return new InMemoryDataSource(
            new Dataset("simulated", new float[train], [1], new int[train], classes),
            new Dataset("simulated-test", new float[test * sample], model.InputShape, new int[test], classes));
    }

    private SimulationResult Execute()
    {
        // The simulated servers share the workers' ActorSystem but stand for other nodes: overlap reaches them all.
        var plan = _options.Plan with
        {
            Epochs = 1, DivergenceFactor = 0, Overlap = _options.Plan.Overlap == OverlapMode.Off ? OverlapMode.Off : OverlapMode.All,
        };
        var data = Placeholders(_options);
        var config = DistNNReference.Values(
                (DistNNDispatchers.Compute + ".type", $"{typeof(SimulationDispatcherConfigurator).FullName}, {typeof(SimulationDispatcherConfigurator).Assembly.GetName().Name}"),
                ("akka.loglevel", "ERROR"),
                // Deadlines run on the wall clock, which means nothing here: a long simulated round must not trip them.
                ("distnn.failures.server-request-timeout", "1h"))
            .WithFallback(DistNNReference.Config);
        var wall = Stopwatch.StartNew();
        using var system = ActorSystem.Create("distnn-simulation", BootstrapSetup.Create().WithConfig(config).And(ProtocolSerializer.Setup));
        var dispatcher = (SimulationDispatcher)((ExtendedActorSystem)system).Dispatchers.Lookup(DistNNDispatchers.Compute);
        _sizes = new FrameSizes(new ProtocolSerializer((ExtendedActorSystem)system));
        TensorTransports.Get(system).Override = new SimulatedTransport(this);
        var done = new TaskCompletionSource<TrainingSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var coordinator = system.ActorOf(Coordinator.Props(plan, data, null, done, null, TimeSpan.FromHours(1)), CoordinatorNode);
            for (int s = 0; s < plan.Servers; s++)
            {
                system.ActorOf(ParameterServer.Props(coordinator), $"ps-{s}");
            }
            var compute = new SimulatedCompute(this);
            for (int w = 0; w < plan.Workers; w++)
            {
                system.ActorOf(Worker.Props($"worker-{w}", coordinator, data, 1, compute), $"worker-{w}");
            }
            while (!done.Task.IsCompleted)
            {
                if (dispatcher.RunPending() > 0 || _clock.RunNext())
                {
                    continue;
                }
                if (!dispatcher.WaitForWork(TimeSpan.FromSeconds(10)))
                {
                    throw new InvalidOperationException($"the simulated cluster stalled at {_clock.Now:F6} s of virtual time: no actor has "
                        + "anything to run and no message is on its way");
                }
            }
        }
        finally
        {
            dispatcher.Release();
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
        var summary = done.Task.GetAwaiter().GetResult();
        return new SimulationResult(plan.Workers, plan.Servers, _options.Steps, summary.SamplesProcessed, _lastReply - _firstCompute,
            _options.MeanComputeSeconds(plan.Workers), plan.BatchSize, _network.Bytes, _messages,
            Enumerable.Range(0, plan.Servers).Select(s => _applies.GetValueOrDefault($"ps-{s}")).ToList(), wall.Elapsed.TotalSeconds)
        {
            NodeCpuSeconds = new SortedDictionary<string, double>(_cores.Charged.ToDictionary(), StringComparer.Ordinal),
            WorkerTimelines = _timelines,
            Preemptions = new SortedDictionary<string, double>(_cores.Preemptions.ToDictionary(), StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// A worker starts a batch now: it computes for the plan's time (a straggler's batch longer) before it can send.
    /// Returns a seeded draw for the stand-in's gradient values and the batch's compute seconds, which the stand-in
    /// charges with <see cref="Charge"/> (whole, or layer by layer as the backward pass would finish them).
    /// </summary>
    internal (ulong Draw, double Seconds) Compute(string worker, long batch)
    {
        ulong draw = Mix(Mix((ulong)Seed) ^ Fnv(worker) ^ Mix((ulong)batch));
        bool straggler = (draw >> 11) * (1.0 / (1UL << 53)) < _options.StragglerFraction;
        var times = _options.ComputeSeconds;
        double seconds = times[int.Parse(worker.AsSpan(worker.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture) % times.Count]
            * (straggler ? _options.StragglerFactor : 1);
        double now = _clock.Now;
        _timelines.TryAdd(worker, new BatchTimeline());
        _timelines[worker].Starts(now);
        // The coordinator takes in a BatchDone per batch: charged as the batch starts (it is off the workers' path).
        _cores.Run(CoordinatorNode, _options.ControlSecondsPerBatch);
        // The worker's runtime beyond its compute and messages: on its other threads, beside the compute.
        _cores.Run(Receiving(worker), _options.WorkerSecondsPerRound);
        _firstCompute = double.IsNaN(_firstCompute) ? now : Math.Min(_firstCompute, now);
        return (Mix(draw), seconds);
    }

    /// <summary>The worker's batch has been charged whole: its compute ends when that work is done (for its timeline).</summary>
    internal void ComputeEnds(string worker) => _cores.Then(worker, () => _timelines[worker].Ends(_clock.Now));

    /// <summary>Charges <paramref name="seconds"/> of compute to <paramref name="worker"/>, after what it already has.</summary>
    internal void Charge(string worker, double seconds) => _cores.Compute(worker, seconds);

    /// <summary>For each layer, the share of a batch's compute done when its gradients are final; null: not known.</summary>
    internal IReadOnlyList<double>? BackwardProfile => _options.BackwardProfile;

    /// <summary>
    /// A message to a server: its sender writes it (the sender's CPU per byte), it crosses the network, waits for the
    /// server's receiving side to read what came before it and itself (its bytes; a push's values decoded and added into
    /// the round), then is delivered.
    /// </summary>
    internal void ToServer(object message, IActorRef? sender, IActorRef server, string target, Action deliver)
    {
        string from = sender?.Path.Name ?? "nobody";
        string to = server.Path.Name;
        long bytes = Count(message, target);
        double cost = _options.ServerSecondsPerMessage + bytes * _options.ServerSecondsPerByte;
        if (message is PushGradients push)
        {
            cost += push.Gradients.Sum(g => (long)g.Values.Length) * _options.ServerSecondsPerValue;
        }
        // Written by the sender's data-plane thread once the work it queued before (its batch, or the layers up to this part) is done.
        // A worker's compute thread writes its own push parts (inline sends): that wakes no other thread.
        _cores.Then(from, () => _cores.Run(Sending(from), _options.WorkerSecondsPerMessage + bytes * _options.WorkerSecondsPerByte,
            () => _clock.At(_network.Send(from, to, bytes, _clock.Now), () => _cores.Run(Receiving(to), cost, deliver)),
            wakes: !from.StartsWith("worker-", StringComparison.Ordinal)));
    }

    /// <summary>
    /// A server's reply: when the server's weights have moved on since its last reply (an apply: their version grew), the
    /// optimizer's update and the chunks' shares of the server's cost per round are charged to the server first; then the server writes the reply (its CPU per byte), it crosses
    /// the network and the requester reads it (its CPU per byte) before it is delivered.
    /// </summary>
    internal void FromServer(object message, IActorRef server, IActorRef requester, Action deliver)
    {
        string from = server.Path.Name;
        string to = requester.Path.Name;
        if (message is PushReply reply)
        {
            // The optimizer's update of each chunk whose version moved (sync: once per round; a part's reply carries its chunks).
            long updated = 0;
            int moved = 0;
            foreach (var w in reply.Weights)
            {
                if (w.Version > _chunkVersions.GetValueOrDefault((from, w.ChunkId)))
                {
                    _chunkVersions[(from, w.ChunkId)] = w.Version;
                    updated += w.Values.Length;
                    moved++;
                }
                _applies[from] = Math.Max(_applies.GetValueOrDefault(from), w.Version);
            }
            _cores.Run(from, updated * _options.ServerSecondsPerUpdate + moved * _options.ServerSecondsPerRound / Math.Max(1, _trainableChunks[from]));
        }
        long bytes = Count(message, "");
        _cores.Run(from, _options.ServerSecondsPerMessage + bytes * _options.ServerSecondsPerByte, () =>
            _clock.At(_network.Send(from, to, bytes, _clock.Now), () => _cores.Run(Receiving(to), _options.WorkerSecondsPerMessage + bytes * _options.WorkerSecondsPerByte, () =>
            {
                if (message is PushReply)
                {
                    _lastReply = Math.Max(_lastReply, _clock.Now);
                }
                deliver();
            })));
    }

    /// <summary>The coordinator node (its actor's name).</summary>
    private const string CoordinatorNode = "coordinator";

    /// <summary>A node's receiving side (the data plane's receive thread): messages are read there, beside the actor's work.</summary>
    private static string Receiving(string node) => node + "/receive";

    /// <summary>A node's sending side (the data plane's send loop): messages are written there, beside the actor's work.</summary>
    private static string Sending(string node) => node + "/send";

    /// <summary>The message's frame bytes, counted per message type.</summary>
    private long Count(object message, string target)
    {
        long bytes = _sizes.Of(message, target);
        var (count, total) = _messages.GetValueOrDefault(message.GetType().Name);
        _messages[message.GetType().Name] = (count + 1, total + bytes);
        return bytes;
    }

    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 33)) * 0xFF51AFD7ED558CCDUL;
        z = (z ^ (z >> 33)) * 0xC4CEB9FE1A85EC53UL;
        return z ^ (z >> 33);
    }

    private static ulong Fnv(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }
}
