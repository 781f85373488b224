using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Data;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Actors.Supervision;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// A run being stopped or failed (<see cref="StopWork"/>): a worker abandons the batch it computes at once and pushes
/// nothing more; a push already begun is finished; a server refuses any push it has not begun. The coordinator tells every
/// worker and every server still running, when a signal stops the run and on every path that fails it.
/// </summary>
public class StopWorkSpec : TestKit
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(60);

    /// <summary>How long a failed run's stop may take to reach a worker or server (it is told as the run fails).</summary>
    private static readonly TimeSpan s_told = TimeSpan.FromSeconds(10);

    public StopWorkSpec() : base(ActorTestConfig.Setup)
    {
    }

    /// <summary>
    /// The real compute, except that batch <see cref="HoldAt"/> (counted from 0) first waits up to a minute for the stop:
    /// a batch that would take that long. Says when that batch has started and whether the stop ended its wait.
    /// </summary>
    private sealed class HeldCompute : IBatchCompute
    {
        private int _calls;

        public int HoldAt { get; init; }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool StoppedWhileHeld;

        /// <summary>The stop token the worker gave its latest batch.</summary>
        public CancellationToken Token { get; private set; }

        public (float Loss, int Correct) Run(WorkerReplica replica, string worker, Dataset train, ReadOnlySpan<int> indices, long batchNumber, CancellationToken stop)
        {
            Token = stop;
            if (_calls++ == HoldAt)
            {
                Started.TrySetResult();
                StoppedWhileHeld = stop.WaitHandle.WaitOne(TimeSpan.FromMinutes(1));
            }
            return replica.Compute(train, indices, batchNumber, stop);
        }
    }

    /// <summary>
    /// Forwards everything to the real server and tells <paramref name="pushes"/> of every push part (and idle notice) that
    /// reaches it, <paramref name="stops"/> of every <see cref="StopWork"/>.
    /// </summary>
    private sealed class RecordingServer : ReceiveActor
    {
        public RecordingServer(IActorRef server, IActorRef pushes) : this(server, pushes, ActorRefs.Nobody)
        {
        }

        public RecordingServer(IActorRef server, IActorRef pushes, IActorRef stops)
        {
            Receive<StopWork>(stop =>
            {
                stops.Tell(stop);
                server.Forward(stop);
            });
            Receive<PushGradients>(p =>
            {
                pushes.Tell(p);
                server.Forward(p);
            });
            Receive<WorkerIdle>(i =>
            {
                pushes.Tell(i);
                server.Forward(i);
            });
            ReceiveAny(m => server.Forward(m));
        }
    }

    private IActorRef StartServer(TrainingPlan plan, params string[] workers)
    {
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(plan.ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>(TimeSpan.FromSeconds(10));
        server.Tell(new LiveWorkers(workers));
        return server;
    }

    /// <summary>A worker "w" (with <paramref name="compute"/>, or the real one) initialized to push to <paramref name="server"/>.</summary>
    private IActorRef StartWorker(TrainingPlan plan, IActorRef server, IBatchCompute? compute = null)
    {
        var worker = Sys.ActorOf(compute is null
            ? Worker.Props("w", TestActor, TestData.BarsSource(64, 10), 1)
            : Worker.Props("w", TestActor, TestData.BarsSource(64, 10), 1, compute));
        ExpectMsg<RegisterWorker>();
        worker.Tell(new InitWorker(plan.ToMessage(), [server], [""]));
        ExpectMsg<WorkerReady>();
        return worker;
    }

    [Fact]
    public async Task A_worker_told_to_stop_mid_batch_abandons_it_at_once_and_pushes_nothing_more()
    {
        var plan = TestData.Plan(batch: 8);
        var server = StartServer(plan, "w");
        var pushes = CreateTestProbe();
        var recording = Sys.ActorOf(Props.Create(() => new RecordingServer(server, pushes.Ref)));
        var compute = new HeldCompute { HoldAt = 1 };
        var worker = StartWorker(plan, recording, compute);

        worker.Tell(new AssignBatches(1, 8, [0, 1, 2, 3, 4, 5, 6, 7]));
        // Batch 0 is trained and pushed as usual; batch 1 is held in its computation.
        Assert.Equal(0, pushes.ExpectMsg<PushGradients>().BatchId);
        Assert.Equal(0, ExpectMsg<BatchDone>().BatchId);
        await compute.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // As the coordinator tells it: the worker's stop listener (heard while it computes) and the worker.
        var stop = new StopWork("a test stops the run");
        Sys.ActorSelection(worker.Path / Worker.StopListenerName).Tell(stop);
        worker.Tell(stop);

        // Its computation ended because of the stop, and nothing of batch 1 or after reached the server, nor an idle notice.
        AwaitCondition(() => compute.StoppedWhileHeld, TimeSpan.FromSeconds(10));
        pushes.ExpectNoMsg(s_quiet);
        ExpectNoMsg(s_quiet);
        // Batches assigned after the stop are not trained either.
        worker.Tell(new AssignBatches(2, 8, [0, 1]));
        pushes.ExpectNoMsg(s_quiet);
        ExpectNoMsg(s_quiet);
        server.Tell(new ReportApplied(1), TestActor);
        Assert.Equal([0], ExpectMsg<BatchesApplied>().BatchIds);
    }

    [Fact]
    public void A_worker_told_to_stop_between_batches_starts_none_and_pushes_nothing()
    {
        var plan = TestData.Plan(batch: 8);
        var server = StartServer(plan, "w");
        var pushes = CreateTestProbe();
        var recording = Sys.ActorOf(Props.Create(() => new RecordingServer(server, pushes.Ref)));
        var worker = StartWorker(plan, recording);

        worker.Tell(new StopWork("a test stops the run"));
        worker.Tell(new AssignBatches(1, 8, [0, 1, 2]));

        pushes.ExpectNoMsg(s_quiet);
        ExpectNoMsg(s_quiet);
    }

    [Fact]
    public void A_stop_during_the_forward_pass_abandons_the_batch_with_no_part_handed_out()
    {
        var replica = new WorkerReplica(TestData.Plan() with { Overlap = OverlapMode.All }, [ActorRefs.Nobody]);
        var sent = new List<int>();
        var data = TestData.Bars(64, 1);
        using var stop = new CancellationTokenSource();
        stop.Cancel();

        replica.BeginParts((_, part) => sent.Add(part));
        Assert.ThrowsAny<OperationCanceledException>(() => replica.Compute(data, Enumerable.Range(0, 32).ToArray(), 0, stop.Token));
        replica.EndParts();

        Assert.Empty(sent);
    }

    [Fact]
    public void A_stop_after_the_first_part_went_finishes_the_push_every_part_handed_out()
    {
        var plan = TestData.Plan() with { Overlap = OverlapMode.All };
        var replica = new WorkerReplica(plan, [ActorRefs.Nobody]);
        var data = TestData.Bars(64, 1);
        var sent = new List<int>();
        using var stop = new CancellationTokenSource();

        // The stop comes as the first part is handed out, in the middle of the backward pass.
        replica.BeginParts((_, part) =>
        {
            sent.Add(part);
            stop.Cancel();
        });
        replica.Compute(data, Enumerable.Range(0, 32).ToArray(), 0, stop.Token);
        replica.EndParts();

        Assert.True(sent.Count > 1, $"the small mlp's push has {sent.Count} part(s): nothing to check");
        Assert.Equal(Enumerable.Range(0, sent.Count), sent.Order());
    }

    [Fact]
    public void A_server_told_to_stop_refuses_a_push_it_has_not_begun_and_takes_the_rest_of_one_under_way()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a", "b");
        var a = Push(server, "a", 1, batch: 3);
        var b = Push(server, "b", 1, batch: 4);
        var partsA = InParts(a);

        server.Tell(partsA[0], TestActor);
        Assert.Null(ExpectMsg<PushReply>().Refused);
        server.Tell(new StopWork("a test stops the run"));
        server.Tell(partsA[1], TestActor);
        var rest = ExpectMsg<PushReply>();
        server.Tell(b, TestActor);
        var refused = ExpectMsg<PushReply>();

        Assert.Null(rest.Refused);
        Assert.Contains("it was begun after the run was stopped", refused.Refused);
        server.Tell(new ReportApplied(1), TestActor);
        Assert.Equal([3], ExpectMsg<BatchesApplied>().BatchIds);
    }

    /// <summary>
    /// Between a worker and its server: pushes go to the server as from this actor, and the server's replies are held until
    /// <see cref="Release"/>; <paramref name="pushes"/> hears of each push. Everything else is forwarded.
    /// </summary>
    private sealed class HeldReplies : ReceiveActor
    {
        public sealed record Release;

        public HeldReplies(IActorRef server, IActorRef pushes)
        {
            IActorRef worker = ActorRefs.Nobody;
            var held = new List<PushReply>();
            Receive<PushGradients>(p =>
            {
                worker = Sender;
                pushes.Tell(p);
                server.Tell(p, Self);
            });
            Receive<PushReply>(held.Add);
            Receive<Release>(_ =>
            {
                held.ForEach(r => worker.Tell(r, server));
                held.Clear();
            });
            ReceiveAny(m => server.Forward(m));
        }
    }

    [Fact]
    public void A_stop_heard_only_by_the_listener_while_a_push_is_out_is_said_when_its_reply_comes_and_nothing_more_starts()
    {
        // The coordinator tells the listener first, then the worker; the push's reply may reach the worker between the two.
        var plan = TestData.Plan(batch: 8);
        var server = StartServer(plan, "w");
        var pushes = CreateTestProbe();
        var gate = Sys.ActorOf(Props.Create(() => new HeldReplies(server, pushes.Ref)));
        var compute = new HeldCompute { HoldAt = -1 };
        var worker = StartWorker(plan, gate, compute);
        var warnings = CreateTestProbe();
        Sys.EventStream.Subscribe(warnings.Ref, typeof(Akka.Event.Warning));

        worker.Tell(new AssignBatches(1, 8, [0, 1, 2]));
        Assert.Equal(0, pushes.ExpectMsg<PushGradients>().BatchId);
        Sys.ActorSelection(worker.Path / Worker.StopListenerName).Tell(new StopWork("a test stops the run"));
        AwaitCondition(() => compute.Token.IsCancellationRequested, TimeSpan.FromSeconds(10));
        gate.Tell(new HeldReplies.Release());

        // Batch 0 was applied and is reported; nothing after it is computed or pushed, and the worker says why.
        Assert.Equal(0, ExpectMsg<BatchDone>().BatchId);
        var line = warnings.FishForMessage<Akka.Event.Warning>(w => w.Message.ToString()!.Contains("the run is stopping", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.Equal("worker w: the run is stopping (a test stops the run): the push of batch 0 was answered; nothing more is started; it pushes nothing more",
            line.Message.ToString());
        pushes.ExpectNoMsg(s_quiet);
        ExpectNoMsg(s_quiet);
        server.Tell(new ReportApplied(1), TestActor);
        Assert.Equal([0], ExpectMsg<BatchesApplied>().BatchIds);
    }

    /// <summary>How a spec below fails the run.</summary>
    public enum FailedBy
    {
        /// <summary>Server 1 stops (DeathWatch), and the run has no standby.</summary>
        ServerLost,

        /// <summary>A worker lost its data-plane connection to a server (<see cref="ServerUnreachable"/>), no standby.</summary>
        DataPlaneLost,

        /// <summary>A worker reports a failure it cannot get past (<see cref="TrainingFailed"/>: other data, a bad plan).</summary>
        WorkerFailed,

        /// <summary>A worker threw and the guardian stopped it (<see cref="ActorCrashed"/>).</summary>
        WorkerCrashed,

        /// <summary>A batch's loss is not finite.</summary>
        Diverged,

        /// <summary>The coordinator itself stops before the run ended.</summary>
        CoordinatorStopped,

        /// <summary>
        /// A handler of the coordinator throws, as a bug would: here the run's listener (the CLI's progress and dashboard
        /// in `distnn train`) throws on the event of a refused push. The guardian stops the coordinator.
        /// </summary>
        CoordinatorCrashed,
    }

    [Theory]
    [InlineData(FailedBy.ServerLost)]
    [InlineData(FailedBy.DataPlaneLost)]
    [InlineData(FailedBy.WorkerFailed)]
    [InlineData(FailedBy.WorkerCrashed)]
    [InlineData(FailedBy.Diverged)]
    [InlineData(FailedBy.CoordinatorStopped)]
    [InlineData(FailedBy.CoordinatorCrashed)]
    public async Task A_failed_run_stops_every_worker_and_every_server_left_with_its_reason_and_a_worker_mid_batch_abandons_it(FailedBy how)
    {
        // Two servers behind recorders, a real worker w0 whose second batch is held in its computation, and w1 a probe.
        var plan = TestData.Plan(mode: ConsistencyMode.Async, workers: 2, servers: 2, batch: 8);
        var data = TestData.BarsSource(64, 10);
        var done = new TaskCompletionSource<TrainingSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool buggy = false;
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, data, _ =>
        {
            if (Volatile.Read(ref buggy))
            {
                throw new InvalidOperationException("a bug in the run's listener\n   at its second line");
            }
        }, done));
        var errors = CreateTestProbe();
        Sys.EventStream.Subscribe(errors.Ref, typeof(Akka.Event.Error));
        var real = new IActorRef[2];
        var servers = new IActorRef[2];
        var pushes = new[] { CreateTestProbe(), CreateTestProbe() };
        var stops = new[] { CreateTestProbe(), CreateTestProbe() };
        for (int i = 0; i < 2; i++)
        {
            var (server, pushed, stopped) = (Sys.ActorOf(ParameterServer.Props(null)), pushes[i].Ref, stops[i].Ref);
            real[i] = server;
            servers[i] = Sys.ActorOf(Props.Create(() => new RecordingServer(server, pushed, stopped)));
            coordinator.Tell(new RegisterServer(servers[i]), servers[i]);
        }
        var compute = new HeldCompute { HoldAt = 1 };
        Sys.ActorOf(Worker.Props("w0", coordinator, data, 1, compute));
        var w1 = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(w1.Ref, "w1", 1), w1.Ref);
        w1.ExpectMsg<InitWorker>(s_run);
        coordinator.Tell(new WorkerReady("w1"), w1.Ref);
        var dealt = w1.ExpectMsg<AssignBatches>(s_run);
        await compute.Started.Task.WaitAsync(s_run);
        // w0's first batch reached both servers; its second is being computed.
        int first = pushes[0].ExpectMsg<PushGradients>(s_run).BatchId;
        Assert.Equal(first, pushes[1].ExpectMsg<PushGradients>(s_run).BatchId);

        switch (how)
        {
            case FailedBy.ServerLost:
                Sys.Stop(servers[1]);
                Sys.Stop(real[1]);
                break;
            case FailedBy.DataPlaneLost:
                coordinator.Tell(new ServerUnreachable("worker w1: the tensor data-plane connection to 127.0.0.1:1 dropped and could not be opened again: Connection refused"), w1.Ref);
                break;
            case FailedBy.WorkerFailed:
                coordinator.Tell(new TrainingFailed("worker w1 has 60 training samples, but the coordinator cut the epoch into 8 batches of 8"), w1.Ref);
                break;
            case FailedBy.WorkerCrashed:
                coordinator.Tell(new ActorCrashed(w1.Ref, "w1 stopped: InvalidOperationException: a bug"));
                break;
            case FailedBy.Diverged:
                coordinator.Tell(new BatchDone("w1", 1, dealt.BatchIds[0], 8, float.NaN, 0, 0.01, 0), w1.Ref);
                break;
            case FailedBy.CoordinatorStopped:
                Sys.Stop(coordinator);
                break;
            case FailedBy.CoordinatorCrashed:
                Volatile.Write(ref buggy, true);
                coordinator.Tell(new BatchRefused("w1", 1, 1, dealt.BatchIds[0], "a test refuses the push"), w1.Ref);
                break;
        }

        var failed = await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_run));
        string reason = $"training failed: {failed.Message}";
        if (how == FailedBy.CoordinatorCrashed)
        {
            // What `distnn train` prints after "distnn: error: the run failed: " (exit code 1 for a TrainingFailedException), a
            // coordinator node after "distnn: error: " (its outcome's exit code 1): one line naming the handler's message and
            // the exception. The process logs the crash once (the guardian's line), not a second time as a failure.
            Assert.Equal("the coordinator stopped on BatchRefused: InvalidOperationException: a bug in the run's listener", failed.Message);
            var crash = errors.ExpectMsg<Akka.Event.Error>(s_told);
            Assert.IsType<InvalidOperationException>(crash.Cause);
            Assert.Equal($"{coordinator.Path.Name} ({coordinator.Path}) stopped", crash.Message.ToString());
            errors.ExpectNoMsg(s_quiet);
        }
        // Every worker, and every server still running, hears the failure's own line.
        Assert.Equal(reason, w1.ExpectMsg<StopWork>(s_told).Reason);
        Assert.Equal(reason, stops[0].ExpectMsg<StopWork>(s_told).Reason);
        if (how != FailedBy.ServerLost)
        {
            Assert.Equal(reason, stops[1].ExpectMsg<StopWork>(s_told).Reason);
        }
        // w0 abandoned its held batch: nothing of it or after it reached a server, nor an idle notice.
        AwaitCondition(() => compute.StoppedWhileHeld, TimeSpan.FromSeconds(10));
        pushes[0].ExpectNoMsg(s_quiet);
        real[0].Tell(new ReportApplied(1), TestActor);
        Assert.Equal([first], ExpectMsg<BatchesApplied>().BatchIds);
    }

    [Fact]
    public async Task A_run_failing_before_it_trains_stops_the_workers_and_servers_registered()
    {
        var plan = TestData.Plan(workers: 2);
        var done = new TaskCompletionSource<TrainingSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, TestData.BarsSource(64, 10), null, done, registrationTimeout: TimeSpan.FromSeconds(2)));
        var (server, stops) = (Sys.ActorOf(ParameterServer.Props(null)), CreateTestProbe());
        var recording = Sys.ActorOf(Props.Create(() => new RecordingServer(server, ActorRefs.Nobody, stops.Ref)));
        coordinator.Tell(new RegisterServer(recording), recording);
        var worker = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(worker.Ref, "w0", 1), worker.Ref);
        worker.ExpectMsg<InitWorker>(s_run);

        // The plan's second worker never comes.
        var failed = await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_run));

        Assert.StartsWith("timed out waiting for the plan's nodes", failed.Message);
        Assert.Equal($"training failed: {failed.Message}", worker.ExpectMsg<StopWork>(s_told).Reason);
        Assert.Equal($"training failed: {failed.Message}", stops.ExpectMsg<StopWork>(s_told).Reason);
    }

    [Fact]
    public async Task A_failed_run_stops_its_standby_servers_too()
    {
        var plan = TestData.Plan(workers: 2);
        string dir = Directory.CreateTempSubdirectory("distnn-stop-").FullName;
        try
        {
            var done = new TaskCompletionSource<TrainingSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
            var coordinator = Sys.ActorOf(Coordinator.Props(plan, TestData.BarsSource(64, 10), null, done, registrationTimeout: TimeSpan.FromSeconds(2),
                checkpoints: new Checkpoints.CheckpointOptions(dir) { StandbyServers = 1 }));
            var (server, standby) = (CreateTestProbe(), CreateTestProbe());
            coordinator.Tell(new RegisterServer(server.Ref), server.Ref);
            coordinator.Tell(new RegisterServer(standby.Ref), standby.Ref);

            // The plan's second worker never comes.
            var failed = await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_run));

            Assert.StartsWith("timed out waiting for the plan's nodes", failed.Message);
            Assert.Equal($"training failed: {failed.Message}", server.FishForMessage<StopWork>(_ => true, s_told).Reason);
            // The standby was never initialized: the stop is all it hears.
            Assert.Equal($"training failed: {failed.Message}", standby.ExpectMsg<StopWork>(s_told).Reason);
            standby.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_server_told_to_stop_before_its_init_starts_nothing_and_says_so()
    {
        var server = Sys.ActorOf(ParameterServer.Props(null), "ps");
        var warnings = CreateTestProbe();
        Sys.EventStream.Subscribe(warnings.Ref, typeof(Akka.Event.Warning));

        server.Tell(new StopWork("training failed: a test fails the run"));
        server.Tell(new InitServer(TestData.Plan().ToMessage(), 0, 1), TestActor);

        ExpectNoMsg(s_quiet); // no ServerReady: it built no shard
        Assert.Equal("parameter server /user/ps (not initialized): the run is stopping (training failed: a test fails the run): it holds no chunks; it starts nothing",
            warnings.ExpectMsg<Akka.Event.Warning>(s_told).Message.ToString());
        Assert.Equal("parameter server /user/ps was told the run is stopping before it was initialized: InitServer as server 0 ignored",
            warnings.ExpectMsg<Akka.Event.Warning>(s_told).Message.ToString());
    }

    [Fact]
    public void A_worker_told_to_stop_before_its_init_starts_nothing()
    {
        var plan = TestData.Plan(batch: 8);
        var server = StartServer(plan, "w");
        var worker = Sys.ActorOf(Worker.Props("w", TestActor, TestData.BarsSource(64, 10), 1));
        ExpectMsg<RegisterWorker>();

        worker.Tell(new StopWork("training failed: a test fails the run"));
        worker.Tell(new InitWorker(plan.ToMessage(), [server], [""]));

        ExpectNoMsg(s_quiet); // no WorkerReady: it did not pull
    }

    /// <summary>A push whose every gradient value is 1, shaped like the server's chunks.</summary>
    private PushGradients Push(IActorRef server, string worker, long step, int batch)
    {
        server.Tell(new PullWeights(0), TestActor);
        var weights = ExpectMsg<WeightsReply>();
        var grads = weights.Weights.Select(w => new ChunkValues(w.ChunkId, 0, Enumerable.Repeat(1f, w.Values.Length).ToArray())).ToList();
        return new PushGradients(worker, step, 1, batch, 32, 0, grads, []);
    }

    /// <summary>The small mlp's push in the two parts a backward pass sends: the last dense layer's chunks (2, 3) first.</summary>
    private static PushGradients[] InParts(PushGradients push) =>
    [
        push with { Gradients = push.Gradients.Where(g => g.ChunkId >= 2).ToList(), Part = 0, Parts = 2 },
        push with { Gradients = push.Gradients.Where(g => g.ChunkId < 2).ToList(), Part = 1, Parts = 2 },
    ];
}
