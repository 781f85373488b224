using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Data;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// A run being stopped (<see cref="StopWork"/>): a worker abandons the batch it computes at once and pushes nothing more;
/// a push already begun is finished; a server refuses any push it has not begun.
/// </summary>
public class StopWorkSpec : TestKit
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(500);

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

        public (float Loss, int Correct) Run(WorkerReplica replica, string worker, Dataset train, ReadOnlySpan<int> indices, long batchNumber, CancellationToken stop)
        {
            if (_calls++ == HoldAt)
            {
                Started.TrySetResult();
                StoppedWhileHeld = stop.WaitHandle.WaitOne(TimeSpan.FromMinutes(1));
            }
            return replica.Compute(train, indices, batchNumber, stop);
        }
    }

    /// <summary>Forwards everything to the real server and tells <paramref name="pushes"/> of every push part that reaches it.</summary>
    private sealed class RecordingServer : ReceiveActor
    {
        public RecordingServer(IActorRef server, IActorRef pushes)
        {
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

    [Fact]
    public async Task A_worker_told_to_stop_mid_batch_abandons_it_at_once_and_pushes_nothing_more()
    {
        var plan = TestData.Plan(batch: 8);
        var server = StartServer(plan, "w");
        var pushes = CreateTestProbe();
        var recording = Sys.ActorOf(Props.Create(() => new RecordingServer(server, pushes.Ref)));
        var compute = new HeldCompute { HoldAt = 1 };
        var worker = Sys.ActorOf(Worker.Props("w", TestActor, TestData.BarsSource(64, 10), 1, compute));
        ExpectMsg<RegisterWorker>();
        worker.Tell(new InitWorker(plan.ToMessage(), [recording], [""]));
        ExpectMsg<WorkerReady>();

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
        var worker = Sys.ActorOf(Worker.Props("w", TestActor, TestData.BarsSource(64, 10), 1));
        ExpectMsg<RegisterWorker>();
        worker.Tell(new InitWorker(plan.ToMessage(), [recording], [""]));
        ExpectMsg<WorkerReady>();

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
