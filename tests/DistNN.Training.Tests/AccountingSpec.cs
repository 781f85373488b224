using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// Exactly once as fact: the servers count what they applied, a refused push is reported and its batch dealt again, and
/// a worker is its name plus an incarnation. Workers here are probes that push as a worker would, so each refusal and
/// report is the spec's own doing.
/// </summary>
public class AccountingSpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(60);

    // 192 samples in batches of 32: six batches per epoch.
    private const int Samples = 192;

    public AccountingSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public async Task A_refused_push_is_reported_and_its_batch_is_dealt_to_a_live_worker_and_counted_only_once_applied()
    {
        var events = new System.Collections.Concurrent.ConcurrentQueue<TrainingEvent>();
        var (coordinator, done) = Start(workers: 2, events.Enqueue);
        var a = Join(coordinator, "a", 1);
        var b = Join(coordinator, "b", 2);
        var dealtA = a.Probe.ExpectMsg<AssignBatches>();
        var dealtB = b.Probe.ExpectMsg<AssignBatches>();
        int refused = dealtB.BatchIds[0];

        // b pushes as an incarnation the servers do not count as live (its previous life, say).
        var reply = b.Push(refused, incarnation: 99);
        Assert.NotNull(reply.Refused);
        b.Report(refused, reply);

        Assert.Equal([refused], a.Probe.ExpectMsg<AssignBatches>().BatchIds);
        foreach (int batch in dealtA.BatchIds.Append(refused))
        {
            a.Train(batch);
        }
        foreach (int batch in dealtB.BatchIds.Skip(1))
        {
            b.Train(batch);
        }
        var summary = await done.Task.WaitAsync(s_run);
        Assert.Equal((Samples, Samples, Samples), (summary.SamplesExpected, summary.SamplesProcessed, summary.SamplesApplied));
        // The run's listener (the dashboard, /metrics) is told of the refusal.
        Assert.Equal("b", Assert.Single(events.OfType<PushRefused>()).Worker);
    }

    [Fact]
    public async Task A_batch_a_worker_reported_done_that_no_server_applied_is_dealt_again()
    {
        var (a, skipped, done) = TrainAllButTheLastBatch();

        a.ReportDoneWithoutPushing(skipped);

        Assert.Equal([skipped], a.Probe.ExpectMsg<AssignBatches>().BatchIds);
        a.Train(skipped);
        var summary = await done.Task.WaitAsync(s_run);
        Assert.Equal((Samples, Samples), (summary.SamplesExpected, summary.SamplesApplied));
    }

    [Fact]
    public async Task A_batch_that_stays_unapplied_fails_the_run_naming_the_shortfall()
    {
        var (a, skipped, done) = TrainAllButTheLastBatch();
        a.ReportDoneWithoutPushing(skipped);
        a.Probe.ExpectMsg<AssignBatches>();

        a.ReportDoneWithoutPushing(skipped);

        var error = await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_run));
        Assert.Contains($"epoch 1: the servers applied {Samples - 32} of {Samples} samples", error.Message);
        Assert.Contains($"server 0 lacks 1 ({skipped})", error.Message);
    }

    [Fact]
    public void A_worker_registering_again_under_its_name_replaces_its_previous_incarnation()
    {
        var (coordinator, _) = Start(workers: 2);
        var a = Join(coordinator, "a", 1);
        var old = Join(coordinator, "b", 1);
        var dealtA = a.Probe.ExpectMsg<AssignBatches>();
        var dealtOld = old.Probe.ExpectMsg<AssignBatches>();
        old.Train(dealtOld.BatchIds[0]);

        var restarted = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(restarted.Ref, "b", 2), restarted.Ref);

        restarted.ExpectMsg<InitWorker>();
        Assert.Equal(dealtOld.BatchIds.Skip(1), a.Probe.ExpectMsg<AssignBatches>().BatchIds);
        // The servers now know b only as its new incarnation: the old one's pushes are refused.
        AwaitAssert(() => Assert.Contains("is not live", old.Push(dealtOld.BatchIds[1], incarnation: 1).Refused));
        Assert.NotEmpty(dealtA.BatchIds);
    }

    [Fact]
    public void A_worker_whose_push_is_refused_reports_the_batch_as_refused_and_not_as_done()
    {
        var plan = TestData.Plan(mode: ConsistencyMode.Async);
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(plan.ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>(TimeSpan.FromSeconds(10));
        server.Tell(new LiveWorkers(["someone-else"]));
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props("w", coordinator.Ref, TestData.BarsSource(Samples, 32), 1));
        var registered = coordinator.ExpectMsg<RegisterWorker>();
        worker.Tell(new InitWorker(plan.ToMessage(), [server]), coordinator.Ref);
        coordinator.ExpectMsg<WorkerReady>(TimeSpan.FromSeconds(10));

        worker.Tell(new AssignBatches(1, Samples / 32, [4]), coordinator.Ref);

        var refused = coordinator.ExpectMsg<BatchRefused>();
        Assert.NotEqual(0, registered.Incarnation);
        Assert.Equal(("w", registered.Incarnation, 1, 4), (refused.Worker, refused.Incarnation, refused.Epoch, refused.BatchId));
        Assert.Contains("is not live", refused.Reason);
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_worker_holding_its_reports_sends_them_in_order_in_one_message_when_its_queue_is_empty()
    {
        var plan = TestData.Plan(mode: ConsistencyMode.Async);
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(plan.ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>(TimeSpan.FromSeconds(10));
        server.Tell(new LiveWorkers(["w"]));
        var coordinator = CreateTestProbe();
        // As a worker on another node than its coordinator's holds them; a window no batch here reaches.
        var worker = Sys.ActorOf(Worker.Props("w", coordinator.Ref, TestData.BarsSource(Samples, 32), 1, TimeSpan.FromMinutes(5)));
        coordinator.ExpectMsg<RegisterWorker>();
        worker.Tell(new InitWorker(plan.ToMessage(), [server]), coordinator.Ref);
        coordinator.ExpectMsg<WorkerReady>(TimeSpan.FromSeconds(10));

        worker.Tell(new AssignBatches(1, Samples / 32, [4, 1, 5]), coordinator.Ref);

        var group = coordinator.ExpectMsg<BatchesDone>(TimeSpan.FromSeconds(30));
        Assert.Equal([4, 1, 5], group.Batches.Select(b => b.BatchId));
        Assert.All(group.Batches, b => Assert.Equal(("w", 1, 32), (b.Worker, b.Epoch, b.Samples)));
        coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Reports_grouped_by_each_worker_count_every_batch_once_a_repeated_one_not_again()
    {
        var (coordinator, done) = Start(workers: 2);
        var a = Join(coordinator, "a", 1);
        var b = Join(coordinator, "b", 2);
        var dealtA = a.Probe.ExpectMsg<AssignBatches>();
        var dealtB = b.Probe.ExpectMsg<AssignBatches>();

        int first = dealtA.BatchIds[0];
        a.Train(first);
        // a's group repeats the batch it reported alone already.
        a.TrainGrouped(dealtA.BatchIds.Skip(1), dealtA.BatchIds.Prepend(first));
        b.TrainGrouped(dealtB.BatchIds, dealtB.BatchIds);

        var summary = await done.Task.WaitAsync(s_run);
        Assert.Equal((Samples, Samples, Samples), (summary.SamplesExpected, summary.SamplesProcessed, summary.SamplesApplied));
    }

    private (IActorRef Coordinator, TaskCompletionSource<TrainingSummary> Done) Start(int workers, Action<TrainingEvent>? listener = null)
    {
        var plan = TestData.Plan(mode: ConsistencyMode.Async, workers: workers);
        var done = new TaskCompletionSource<TrainingSummary>();
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, TestData.BarsSource(Samples, 32), listener, done));
        Sys.ActorOf(ParameterServer.Props(coordinator));
        return (coordinator, done);
    }

    /// <summary>One worker, "a", trains every batch of the epoch but the last, which it returns.</summary>
    private (ProbeWorker A, int Last, TaskCompletionSource<TrainingSummary> Done) TrainAllButTheLastBatch()
    {
        var (coordinator, done) = Start(workers: 1);
        var a = Join(coordinator, "a", 1);
        var dealt = a.Probe.ExpectMsg<AssignBatches>();
        foreach (int batch in dealt.BatchIds.SkipLast(1))
        {
            a.Train(batch);
        }
        return (a, dealt.BatchIds[^1], done);
    }

    /// <summary>Registers a probe as worker <paramref name="name"/>: it gets the servers and says it is ready.</summary>
    private ProbeWorker Join(IActorRef coordinator, string name, long incarnation)
    {
        var probe = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(probe.Ref, name, incarnation), probe.Ref);
        var init = probe.ExpectMsg<InitWorker>(TimeSpan.FromSeconds(10));
        coordinator.Tell(new WorkerReady(name), probe.Ref);
        return new ProbeWorker(probe, coordinator, init.Servers.Single(), name, incarnation);
    }

    /// <summary>A worker played by a probe: pushes zero gradients for a batch to the one server and reports as a worker does.</summary>
    private sealed class ProbeWorker(TestProbe probe, IActorRef coordinator, IActorRef server, string name, long incarnation)
    {
        private long _step;

        public TestProbe Probe => probe;

        public PushReply Push(int batch, long incarnation)
        {
            server.Tell(new PullWeights(0), probe.Ref);
            var weights = probe.ExpectMsg<WeightsReply>();
            var zeros = weights.Weights.Select(w => new ChunkValues(w.ChunkId, 0, new float[w.Values.Length])).ToList();
            server.Tell(new PushGradients(name, ++_step, 1, batch, 32, 0, zeros, [], incarnation), probe.Ref);
            return probe.ExpectMsg<PushReply>();
        }

        /// <summary>Pushes the batch as this incarnation and reports it: done, or refused as the server said.</summary>
        public void Train(int batch) => Report(batch, Push(batch, incarnation));

        public void Report(int batch, PushReply reply) => coordinator.Tell(reply.Refused is { } reason
            ? new BatchRefused(name, incarnation, 1, batch, reason)
            : new BatchDone(name, 1, batch, 32, 2.3f, 3, 0.001, 0.001), probe.Ref);

        /// <summary>Pushes <paramref name="push"/>, then reports <paramref name="report"/> in one <see cref="BatchesDone"/>.</summary>
        public void TrainGrouped(IEnumerable<int> push, IEnumerable<int> report)
        {
            foreach (int batch in push)
            {
                Assert.Null(Push(batch, incarnation).Refused);
            }
            coordinator.Tell(new BatchesDone([.. report.Select(batch => new BatchDone(name, 1, batch, 32, 2.3f, 3, 0.001, 0.001))]), probe.Ref);
        }

        /// <summary>A worker that says a batch is done though no server has it (a lost push, a bug): the servers' count tells.</summary>
        public void ReportDoneWithoutPushing(int batch) => coordinator.Tell(new BatchDone(name, 1, batch, 32, 2.3f, 3, 0.001, 0.001), probe.Ref);
    }
}
