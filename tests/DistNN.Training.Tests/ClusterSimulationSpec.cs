using System.Buffers;
using DistNN.Nn.Models;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;
using DistNN.Training.Simulation;
using Xunit;

namespace DistNN.Training.Tests;

public sealed class ClusterSimulationSpec
{
    private static SimulationOptions Options(int workers, ConsistencyMode mode = ConsistencyMode.Sync, int steps = 3, double computeMs = 5,
        string link = "100MB/s", string latency = "1ms", double stragglers = 0, double slowdown = 1, int seed = 3,
        Compression? compression = null) => new()
    {
        Plan = TestData.Plan(mode: mode, workers: workers, batch: 32) with { Seed = seed, Compression = compression ?? Compression.None },
        ComputeSeconds = [computeMs / 1e3],
        Link = LinkSpec.Parse(link, latency),
        Steps = steps,
        StragglerFraction = stragglers,
        StragglerFactor = slowdown,
    };

    /// <summary>The bytes of one frame of <paramref name="message"/>, written with every value copied (not the simulator's path).</summary>
    private static long FrameBytes(object message, string target)
    {
        var output = new ArrayBufferWriter<byte>();
        var serializer = new ProtocolSerializer(null, ProtocolMessageRegistry.Default, ProtocolLimits.Default, LimitViolations.Shared);
        MessageFrame.Write(output, serializer, target, 1, message);
        return FrameWriter.HeaderBytes + output.WrittenCount;
    }

    private static List<ChunkValues> Values(ParameterLayout layout, long version) =>
        layout.Chunks.Where(c => !c.IsState).Select(c => new ChunkValues(c.Id, version, new float[c.Length])).ToList();

    [Fact]
    public void A_sync_run_of_K_workers_takes_the_time_its_compute_latency_and_frame_bytes_give()
    {
        const int workers = 4, steps = 3;
        var result = ClusterSimulation.Run(Options(workers, steps: steps));

        double c = 5e-3, latency = 1e-3, rate = 100e6;
        double push = PerMessage(result, "PushGradients"), reply = PerMessage(result, "PushReply"), pull = PerMessage(result, "WeightsReply");
        // Round 1 starts as the pull replies arrive one after another; each later round waits for the last push to cross
        // the server's link (incast), then the replies leave one after another; the run ends with the last reply.
        double first = c + latency + push / rate + (workers - 1) * Math.Max(pull, push) / rate;
        double round = c + 2 * latency + (Math.Min(push, reply) + workers * Math.Max(push, reply)) / rate;
        double expected = first + (steps - 1) * round + workers * reply / rate + latency;

        Assert.Equal(expected, result.VirtualSeconds, 9);
        Assert.Equal(workers * steps * 32L, result.Samples);
        Assert.Equal(expected / steps, result.StepSeconds, 9);
    }

    [Fact]
    public void The_simulated_wire_carries_each_message_as_its_real_data_plane_frame()
    {
        var result = ClusterSimulation.Run(Options(workers: 2, steps: 2));
        var plan = TestData.Plan();
        var layout = ParameterLayout.For(ModelBuilder.Build(plan.Model, plan.Seed), 1);

        // A worker's incarnation is a random 64-bit number: nine bytes of MessagePack (long.MaxValue is as long).
        long push = FrameBytes(new PushGradients("worker-0", 1, 1, 0, 32, 0.0, Values(layout, 0), [], Incarnation: long.MaxValue), "/user/ps-0");
        long reply = FrameBytes(new PushReply(1, true, Values(layout, 1), []), "");

        Assert.Equal((4L, 4 * push), result.Messages["PushGradients"]);
        Assert.Equal((4L, 4 * reply), result.Messages["PushReply"]);
        Assert.True(push > 4L * layout.Chunks.Sum(c => c.Length), "a push frame holds every gradient value");
    }

    [Fact]
    public void Top_k_pushes_cross_the_wire_compressed()
    {
        var dense = ClusterSimulation.Run(Options(workers: 2, steps: 2));
        var topK = ClusterSimulation.Run(Options(workers: 2, steps: 2, compression: Compression.TopK(0.01)));

        double ratio = (double)topK.Messages["PushGradients"].Bytes / dense.Messages["PushGradients"].Bytes;
        Assert.InRange(ratio, 0.005, 0.05);
        Assert.Equal(dense.Messages["PushReply"], topK.Messages["PushReply"]);
    }

    [Theory]
    [InlineData(ConsistencyMode.Sync, 4)]
    [InlineData(ConsistencyMode.Async, 12)]
    [InlineData(ConsistencyMode.Ssp, 12)]
    public void The_real_servers_apply_once_per_sync_round_and_once_per_push_otherwise(ConsistencyMode mode, long applies)
    {
        var result = ClusterSimulation.Run(Options(workers: 3, mode: mode, steps: 4));

        Assert.Equal([applies], result.ServerApplies);
        Assert.Equal(12 * 32L, result.Samples);
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_another_seed_other_stragglers()
    {
        SimulationResult Once(int seed) => ClusterSimulation.Run(Options(workers: 6, mode: ConsistencyMode.Sync, steps: 6,
            stragglers: 0.2, slowdown: 3, seed: seed));

        var a = Once(5);
        var b = Once(5);
        var other = Once(6);

        Assert.Equal(a.VirtualSeconds, b.VirtualSeconds);
        Assert.Equal(a.Messages, b.Messages);
        Assert.NotEqual(a.VirtualSeconds, other.VirtualSeconds);
    }

    /// <summary>A sync round waits for its slowest worker; an async worker waits only for its own straggling batches.</summary>
    [Fact]
    public void Stragglers_slow_a_sync_run_more_than_an_async_one()
    {
        double Slowdown(ConsistencyMode mode) =>
            ClusterSimulation.Run(Options(workers: 8, mode: mode, steps: 32, link: "10GB/s", latency: "0.1ms", stragglers: 0.1, slowdown: 3)).VirtualSeconds
            / ClusterSimulation.Run(Options(workers: 8, mode: mode, steps: 32, link: "10GB/s", latency: "0.1ms")).VirtualSeconds;

        Assert.True(Slowdown(ConsistencyMode.Sync) > Slowdown(ConsistencyMode.Async) + 0.1,
            $"sync {Slowdown(ConsistencyMode.Sync):F2}× against async {Slowdown(ConsistencyMode.Async):F2}×");
    }

    [Fact]
    public void A_sync_round_waits_for_its_slowest_worker()
    {
        double Run(double[] computeMs) => ClusterSimulation.Run(Options(workers: 2, steps: 5, link: "100GB/s", latency: "0") with
        {
            ComputeSeconds = computeMs.Select(ms => ms / 1e3).ToArray(),
        }).VirtualSeconds;

        double mixed = Run([5, 15]);
        Assert.InRange(mixed / Run([15, 15]), 0.99, 1.01);
        Assert.True(mixed > 2.5 * Run([5, 5]), "the fast worker does not set the pace");
    }

    [Fact]
    public void Workers_sharing_cores_compute_at_cores_over_workers_speed_once_they_outnumber_the_cores()
    {
        double Run(int workers, int cores) => ClusterSimulation.Run(Options(workers, steps: 5, link: "1000GB/s", latency: "0") with { Cores = cores }).VirtualSeconds;

        // Communication is negligible here: the run is five rounds of compute, stretched by the sharing.
        Assert.InRange(Run(workers: 2, cores: 2) / Run(workers: 2, cores: 0), 0.999, 1.001);
        Assert.InRange(Run(workers: 4, cores: 2) / Run(workers: 4, cores: 0), 1.99, 2.01);
        Assert.InRange(Run(workers: 6, cores: 2) / Run(workers: 6, cores: 0), 2.98, 3.02);
    }

    [Fact]
    public void On_one_shared_core_a_run_takes_at_least_all_its_compute_and_server_work_one_after_another()
    {
        // Async, two workers and a server whose decoding and updates cost about as much as a batch.
        const int workers = 2, steps = 8;
        SimulationOptions Heavy(int cores) => Options(workers, mode: ConsistencyMode.Async, steps: steps, link: "1000GB/s", latency: "0") with
        {
            ComputeSeconds = [5e-3, 7e-3],
            Cores = cores,
            ServerSecondsPerValue = 0.5e-6,
            ServerSecondsPerUpdate = 0.5e-6,
        };
        long values = ModelBuilder.Build(TestData.SmallMlp(), 3).ParameterCount;
        // Every push is decoded and applied once (async), every batch computed once.
        double work = steps * (5e-3 + 7e-3) + workers * steps * values * (0.5e-6 + 0.5e-6);

        double own = ClusterSimulation.Run(Heavy(0)).VirtualSeconds;
        double shared = ClusterSimulation.Run(Heavy(1)).VirtualSeconds;

        Assert.True(shared >= 0.999 * work, $"one shared core: {shared * 1e3:F1} ms for {work * 1e3:F1} ms of work");
        Assert.True(own < 0.8 * work, $"a machine per node: {own * 1e3:F1} ms for {work * 1e3:F1} ms of work");
    }

    [Fact]
    public void Writing_and_reading_a_push_and_its_reply_add_the_worker_s_and_the_server_s_cpu_per_byte_and_per_message_to_every_round()
    {
        const int steps = 4;
        double w = 2e-9, s = 3e-9, wm = 40e-6, sm = 70e-6;
        var free = ClusterSimulation.Run(Options(workers: 1, steps: steps));
        var charged = ClusterSimulation.Run(Options(workers: 1, steps: steps) with
        {
            WorkerSecondsPerByte = w, ServerSecondsPerByte = s, WorkerSecondsPerMessage = wm, ServerSecondsPerMessage = sm,
        });

        // One worker: nothing overlaps, so each round is longer by the push written and read and the reply written and read.
        double push = PerMessage(charged, "PushGradients"), reply = PerMessage(charged, "PushReply");
        Assert.Equal(free.VirtualSeconds + steps * ((w + s) * (push + reply) + 2 * (wm + sm)), charged.VirtualSeconds, 9);
        Assert.Equal(free.Messages, charged.Messages);
    }

    [Fact]
    public void A_server_reads_the_pushes_of_a_sync_round_one_after_another_and_writes_the_replies_one_after_another()
    {
        // Compute and the wire negligible. Once the run is under way a round is: the server writes K replies one after
        // another; the last worker reads its reply and writes its push; the server's receiving side, which read the others'
        // pushes meanwhile (or queued them, when a push takes longer to read than a reply to write), reads the last one.
        const int workers = 4;
        double s = 5e-9, w = 1e-9, c = 1e-9;
        SimulationResult Run(int steps) => ClusterSimulation.Run(Options(workers, steps: steps, computeMs: c * 1e3, link: "1000000GB/s", latency: "0")
            with { WorkerSecondsPerByte = w, ServerSecondsPerByte = s });
        var three = Run(3);
        var six = Run(6);

        double push = PerMessage(six, "PushGradients"), reply = PerMessage(six, "PushReply");
        double round = c + w * (push + reply) + s * (Math.Min(push, reply) + workers * Math.Max(push, reply));
        Assert.InRange((six.VirtualSeconds - three.VirtualSeconds) / 3, round * (1 - 1e-6), round * (1 + 1e-6));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_server_s_cpu_per_round_lengthens_every_sync_round_by_itself_once_whatever_the_workers(int workers)
    {
        // Compute and the wire negligible beside it: the server's rounds are on every worker's path, and each round's
        // cost is charged once (its chunks' shares one after another), not once per worker.
        const int steps = 4;
        const double round = 300e-6;
        SimulationResult Run(double perRound) => ClusterSimulation.Run(Options(workers, steps: steps, link: "1000000GB/s", latency: "0")
            with { ServerSecondsPerRound = perRound });
        var free = Run(0);
        var charged = Run(round);

        Assert.Equal(free.VirtualSeconds + steps * round, charged.VirtualSeconds, 9);
        Assert.Equal(free.NodeCpuSeconds.GetValueOrDefault("ps-0") + steps * round, charged.NodeCpuSeconds["ps-0"], 12);
    }

    [Fact]
    public void A_worker_s_cpu_per_batch_is_beside_its_compute_on_a_machine_of_its_own_and_adds_to_it_on_one_shared_core()
    {
        const int steps = 4;
        const double extra = 400e-6;
        SimulationResult Run(int cores, double perBatch) => ClusterSimulation.Run(Options(workers: 1, steps: steps, link: "1000000GB/s", latency: "0")
            with { Cores = cores, WorkerSecondsPerRound = perBatch });

        // A machine of its own: another thread of the worker does it while the batch computes (5 ms, longer than it).
        var own = Run(cores: 0, perBatch: extra);
        Assert.Equal(Run(cores: 0, perBatch: 0).VirtualSeconds, own.VirtualSeconds, 9);
        Assert.Equal(steps * (5e-3 + extra), own.NodeCpuSeconds["worker-0"], 12);
        // One core: it shares the core with the batch, which ends later by exactly that work.
        var shared = Run(cores: 1, perBatch: extra);
        Assert.Equal(Run(cores: 1, perBatch: 0).VirtualSeconds + steps * extra, shared.VirtualSeconds, 9);
    }

    [Fact]
    public void A_server_s_cpu_per_round_must_be_finite_and_not_negative() =>
        Assert.Contains("--server-round-us", Assert.Throws<ArgumentException>(() => ClusterSimulation.Run(Options(workers: 1) with { ServerSecondsPerRound = -1e-6 })).Message);

    [Fact]
    public void On_one_shared_core_the_messages_cpu_adds_to_the_compute()
    {
        const int workers = 2, steps = 4;
        double w = 4e-9, s = 4e-9;
        var result = ClusterSimulation.Run(Options(workers, steps: steps, link: "1000000GB/s", latency: "0")
            with { Cores = 1, WorkerSecondsPerByte = w, ServerSecondsPerByte = s });

        double push = PerMessage(result, "PushGradients"), reply = PerMessage(result, "PushReply");
        double work = workers * steps * (5e-3 + (w + s) * (push + reply));
        Assert.True(result.VirtualSeconds >= 0.999 * work, $"one shared core: {result.VirtualSeconds * 1e3:F2} ms for {work * 1e3:F2} ms of work");
    }

    [Fact]
    public void The_coordinator_s_cpu_per_batch_is_off_the_workers_path_on_machines_of_their_own_and_adds_to_the_work_on_one_shared_core()
    {
        const int workers = 2, steps = 4;
        const double control = 0.5e-3;
        SimulationResult Run(int cores, double perBatch) => ClusterSimulation.Run(Options(workers, steps: steps, link: "1000000GB/s", latency: "0")
            with { Cores = cores, ControlSecondsPerBatch = perBatch });

        // A machine per node: the coordinator takes in BatchDone beside the workers, who never wait for it.
        Assert.Equal(Run(cores: 0, perBatch: 0).VirtualSeconds, Run(cores: 0, perBatch: control).VirtualSeconds, 9);
        // One core: every batch's control work is done on the core the workers compute on.
        var charged = Run(cores: 1, perBatch: control);
        double expected = Run(cores: 1, perBatch: 0).VirtualSeconds + workers * steps * control;
        Assert.InRange(charged.VirtualSeconds, expected * (1 - 1e-6), expected * (1 + 1e-6));
        Assert.Equal(workers * steps * control, charged.NodeCpuSeconds["coordinator"], 12);
    }

    [Fact]
    public void A_worker_s_timeline_is_its_compute_stretched_by_the_shared_cores_then_the_wait_for_its_round_s_reply()
    {
        const int steps = 4;
        // One worker on a machine of its own: each batch computes 5 ms, then waits for its push and reply to cross.
        var alone = ClusterSimulation.Run(Options(workers: 1, steps: steps));
        var timeline = alone.WorkerTimelines["worker-0"];
        double push = PerMessage(alone, "PushGradients"), reply = PerMessage(alone, "PushReply");
        Assert.Equal(steps, timeline.Batches);
        Assert.Equal(steps - 1, timeline.Waits);
        Assert.Equal(5e-3, timeline.ComputePerBatch, 9);
        Assert.Equal(2 * 1e-3 + (push + reply) / 100e6, timeline.WaitPerBatch, 9);

        // Four workers on two cores, communication negligible: each batch's compute takes twice its time.
        var shared = ClusterSimulation.Run(Options(workers: 4, steps: steps, link: "1000000GB/s", latency: "0") with { Cores = 2 });
        Assert.All(shared.WorkerTimelines.Values, t => Assert.InRange(t.ComputePerBatch, 2 * 5e-3 * 0.999, 2 * 5e-3 * 1.001));
    }

    [Fact]
    public void The_nodes_background_takes_its_cores_from_the_shared_ones()
    {
        // Communication negligible: four workers on two cores compute at (2 − background) / 4 of full speed, one worker at full speed.
        var background = (Coordinator: 0.1, Server: 0.05, Worker: 0.05);
        double Run(int workers, bool charged) => ClusterSimulation.Run(Options(workers, steps: 5, link: "1000000GB/s", latency: "0")
            with { Cores = 2, BackgroundCores = charged ? background : default }).VirtualSeconds;

        double left = 2 - (0.1 + 0.05 + 4 * 0.05);
        Assert.InRange(Run(4, charged: true) / Run(4, charged: false), 2 / left * 0.999, 2 / left * 1.001);
        Assert.Equal(Run(1, charged: false), Run(1, charged: true), 9);
    }

    [Theory]
    [InlineData(0, 0.1, 0.0, "needs --cores")]
    [InlineData(2, 0.5, 0.4, "must leave some")]
    [InlineData(2, -0.1, 0.0, "not negative")]
    public void A_background_must_be_taken_from_shared_cores_and_leave_some_of_them(int cores, double coordinator, double worker, string says)
    {
        // Four workers: 0.5 + 4 × 0.4 takes more than two cores.
        var options = Options(workers: 4) with { Cores = cores, BackgroundCores = (coordinator, 0, worker) };
        var refused = Assert.Throws<ArgumentException>(() => ClusterSimulation.Run(options)).Message;
        Assert.Contains("--background-cores", refused);
        Assert.Contains(says, refused);
    }

    /// <summary>Runs the clock to its end; returns when each of <paramref name="nodes"/> finished the work queued on it.</summary>
    private static Dictionary<string, double> Ends(VirtualClock clock, SharedCores cores, params string[] nodes)
    {
        var ends = new Dictionary<string, double>();
        foreach (string node in nodes)
        {
            cores.Then(node, () => ends[node] = clock.Now);
        }
        while (clock.RunNext())
        {
        }
        return ends;
    }

    [Fact]
    public void A_wake_up_on_shared_cores_preempts_the_computing_workers_and_costs_them_its_refill()
    {
        const double ms = 1e-3;
        // Two workers compute 10 ms each on two cores when a server's receive thread wakes up for 1 ms: both cores run
        // compute, so it preempts one of the two for sure (each 0.5 expected), and each batch gets 0.5 × 1 ms more work.
        // Three threads on two cores go at 2/3 until the receive ends (1 ms of work: at 1.5 ms, each batch 1 ms done);
        // the batches' 9.5 ms left then run alone: 11 ms. Without the cost: 10.5 ms.
        foreach (var (cost, end) in new[] { (1 * ms, 11 * ms), (0.0, 10.5 * ms) })
        {
            var clock = new VirtualClock();
            var cores = new SharedCores(clock, 2, preemption: cost);
            cores.Compute("worker-0", 10 * ms);
            cores.Compute("worker-1", 10 * ms);
            cores.Run("ps-0/receive", 1 * ms);
            var ends = Ends(clock, cores, "worker-0", "worker-1", "ps-0/receive");
            Assert.Equal(end, ends["worker-0"], 12);
            Assert.Equal(end, ends["worker-1"], 12);
            Assert.Equal(1.5 * ms, ends["ps-0/receive"], 12);
            Assert.Equal(0.5, cores.Preemptions["worker-0"], 12);
            Assert.Equal(10 * ms + cost / 2, cores.Charged["worker-0"], 12);
        }

        // One worker on two cores: the wake-up lands on its core with probability 1/2 (the other core is free), and a
        // second piece queued behind the first is no new wake-up: 10 + 0.5 × 1 ms. Four workers on two cores: each
        // 1/4 of one preemption. A wake-up while nothing computes costs nothing.
        {
            var clock = new VirtualClock();
            var cores = new SharedCores(clock, 2, preemption: 1 * ms);
            cores.Compute("worker-0", 10 * ms);
            cores.Run("coordinator", 1 * ms);
            cores.Run("coordinator", 1 * ms);
            Assert.Equal(10.5 * ms, Ends(clock, cores, "worker-0")["worker-0"], 12);
            Assert.Equal(0.5, cores.Preemptions["worker-0"], 12);
            // At 10.5 ms, nothing computing: a wake-up of 1 ms ends at 11.5 ms and preempts nothing.
            cores.Run("coordinator", 1 * ms);
            Assert.Equal(11.5 * ms, Ends(clock, cores, "coordinator")["coordinator"], 12);
            Assert.Equal(0.5, cores.Preemptions["worker-0"], 12);
        }
        {
            var clock = new VirtualClock();
            var cores = new SharedCores(clock, 2, preemption: 1 * ms);
            for (int w = 0; w < 4; w++)
            {
                cores.Compute($"worker-{w}", 10 * ms);
            }
            cores.Run("ps-0", 0);
            // Four batches of 10.25 ms on two cores: 20.5 ms.
            Assert.Equal(20.5 * ms, Ends(clock, cores, "worker-3")["worker-3"], 12);
            Assert.Equal(0.25, cores.Preemptions["worker-3"], 12);
        }
    }

    [Fact]
    public void The_cost_per_preemption_adds_exactly_its_expected_preemptions_and_needs_shared_cores()
    {
        // One worker on two cores, messages free and instant: the worker's compute is the whole critical path and never
        // shares a core, so the run is longer by exactly the cost × the expected preemptions the wake-ups made.
        var options = Options(workers: 1, steps: 4, link: "1000000GB/s", latency: "0") with { Cores = 2, ControlSecondsPerBatch = 0 };
        var free = ClusterSimulation.Run(options);
        var charged = ClusterSimulation.Run(options with { PreemptionSeconds = 1e-3 });
        double preemptions = free.Preemptions["worker-0"];
        Assert.InRange(preemptions, 0.5, 100);
        Assert.Equal(preemptions, charged.Preemptions["worker-0"], 9);
        Assert.Equal(free.VirtualSeconds + 1e-3 * preemptions, charged.VirtualSeconds, 9);

        // A machine per node: no other thread shares a compute's cores; nothing counted, and a cost is refused.
        Assert.Empty(ClusterSimulation.Run(options with { Cores = 0 }).Preemptions);
        var refused = Assert.Throws<ArgumentException>(() => ClusterSimulation.Run(options with { Cores = 0, PreemptionSeconds = 1e-3 })).Message;
        Assert.Contains("--preemption-us", refused);
        Assert.Contains("needs --cores", refused);
    }

    [Fact]
    public void With_overlap_a_layer_s_part_leaves_when_its_share_of_the_compute_is_done_and_is_answered_at_once()
    {
        // One worker, one server, a slow link: the last layer's part leaves halfway through the batch and its round trip
        // ends before the batch does; the first layer's part leaves at the end, its chunks are updated, and its reply
        // closes the round. Without overlap the whole push and reply cross after the batch.
        const double c = 5e-3, rate = 10e6, update = 20e-9;
        var model = ModelBuilder.Build(TestData.SmallMlp(), 3);
        int last = model.Layers.Count - 1;
        double[] profile = Enumerable.Range(0, model.Layers.Count).Select(l => l == last ? 0.5 : 1.0).ToArray();
        SimulationResult Run(int steps, bool overlap) => ClusterSimulation.Run(Options(workers: 1, steps: steps, computeMs: c * 1e3, link: "10MB/s", latency: "0")
            with { ServerSecondsPerUpdate = update, BackwardProfile = overlap ? profile : null });
        double Round(bool overlap) => (Run(6, overlap).VirtualSeconds - Run(3, overlap).VirtualSeconds) / 3;

        var layout = ParameterLayout.For(model, 1);
        var first = layout.Chunks.Where(ch => !model.Layers[last].Parameters.Contains(layout.Tensors[ch.TensorIndex])).ToList();
        long firstValues = first.Sum(ch => (long)ch.Length);
        List<ChunkValues> Of(IEnumerable<ParameterChunk> chunks, long version) => chunks.Select(ch => new ChunkValues(ch.Id, version, new float[ch.Length])).ToList();
        long partPush = FrameBytes(new PushGradients("worker-0", 1, 1, 0, 32, 0.0, Of(first, 0), [], Incarnation: long.MaxValue, Part: 1, Parts: 2), "/user/ps-0");
        long partReply = FrameBytes(new PushReply(1, true, Of(first, 1), [], Part: 1), "");
        long push = FrameBytes(new PushGradients("worker-0", 1, 1, 0, 32, 0.0, Values(layout, 0), [], Incarnation: long.MaxValue), "/user/ps-0");
        long reply = FrameBytes(new PushReply(1, true, Values(layout, 1), []), "");

        double overlapped = c + partPush / rate + firstValues * update + partReply / rate;
        double whole = c + push / rate + model.ParameterCount * update + reply / rate;
        Assert.InRange(Round(overlap: true), overlapped * (1 - 1e-6), overlapped * (1 + 1e-6));
        Assert.InRange(Round(overlap: false), whole * (1 - 1e-6), whole * (1 + 1e-6));
        Assert.Equal(2 * 3L, Run(3, overlap: true).Messages["PushGradients"].Count);
    }

    [Fact]
    public void A_backward_profile_needs_one_share_in_0_1_per_layer()
    {
        var options = Options(workers: 1) with { BackwardProfile = [0.5] };
        Assert.Contains("--backward-profile", Assert.Throws<ArgumentException>(() => ClusterSimulation.Run(options)).Message);
    }

    [Theory]
    [InlineData("10gbit", 10e9 / 8 * 1448 / 1538)]
    [InlineData("100mbit", 100e6 / 8 * 1448 / 1538)]
    [InlineData("2.5GB/s", 2.5e9)]
    public void Link_rates_in_bits_are_line_rates_and_in_bytes_are_payload(string text, double bytesPerSecond) =>
        Assert.Equal(bytesPerSecond, LinkSpec.ParseRate(text), 6);

    [Theory]
    [InlineData("10 gigabit")]
    [InlineData("-1gbit")]
    [InlineData("fast")]
    public void A_link_rate_that_does_not_parse_is_refused_naming_the_option(string text) =>
        Assert.Contains("--link", Assert.Throws<ArgumentException>(() => LinkSpec.ParseRate(text)).Message);

    private static double PerMessage(SimulationResult result, string type) =>
        (double)result.Messages[type].Bytes / result.Messages[type].Count;
}
