using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

public class ParameterServerSpec : TestKit
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(300);

    public ParameterServerSpec() : base(ActorTestConfig.Setup)
    {
    }

    private IActorRef StartServer(TrainingPlan plan, params string[] workers)
    {
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(plan.ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>(TimeSpan.FromSeconds(10)); // the first spec of a run builds the model while the JIT warms up
        server.Tell(new LiveWorkers(workers));
        return server;
    }

    /// <summary>A push whose every gradient value is <paramref name="value"/>, shaped like the server's chunks.</summary>
    private PushGradients Push(IActorRef server, string worker, long step, int batch, float value = 1f, int samples = 32)
    {
        server.Tell(new PullWeights(0), TestActor);
        var weights = ExpectMsg<WeightsReply>();
        var grads = weights.Weights.Select(w => new ChunkValues(w.ChunkId, 0, Enumerable.Repeat(value, w.Values.Length).ToArray())).ToList();
        return new PushGradients(worker, step, 1, batch, samples, 0, grads, []);
    }

    [Fact]
    public void A_duplicated_push_is_applied_once()
    {
        var server = StartServer(TestData.Plan(), "a");
        var push = Push(server, "a", 1, 0);

        server.Tell(push, TestActor);
        var first = ExpectMsg<PushReply>();
        server.Tell(push, TestActor);
        var second = ExpectMsg<PushReply>();

        Assert.True(first.Applied);
        Assert.False(second.Applied);
        Assert.Equal(first.Weights.Select(w => w.Version), second.Weights.Select(w => w.Version));
        Assert.Equal(first.Weights[0].Values.ToArray(), second.Weights[0].Values.ToArray());
    }

    [Fact]
    public void A_batch_already_applied_is_not_applied_again_when_another_worker_sends_it()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a", "b");
        server.Tell(Push(server, "a", 1, batch: 7), TestActor);
        Assert.True(ExpectMsg<PushReply>().Applied);

        server.Tell(Push(server, "b", 1, batch: 7), TestActor);

        Assert.False(ExpectMsg<PushReply>().Applied);
    }

    [Fact]
    public void Sync_waits_for_every_live_worker_then_applies_the_sample_weighted_mean()
    {
        var plan = TestData.Plan(mode: ConsistencyMode.Sync, lr: 1f);
        var server = StartServer(plan, "a", "b");
        server.Tell(new PullWeights(0), TestActor);
        float before = ExpectMsg<WeightsReply>().Weights[0].Values.Span[0];
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var pushA = Push(server, "a", 1, 0, value: 1f, samples: 10);
        var pushB = Push(server, "b", 1, 1, value: 4f, samples: 30);

        server.Tell(pushA, a);
        a.ExpectNoMsg(s_quiet);
        server.Tell(pushB, b);

        var replyA = a.ExpectMsg<PushReply>();
        b.ExpectMsg<PushReply>();
        // SGD, lr 1: w − (10·1 + 30·4) / 40.
        Assert.Equal(before - 3.25f, replyA.Weights[0].Values.Span[0], 5);
    }

    [Fact]
    public void Sync_proceeds_when_a_worker_stops()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Sync), "a", "b");
        var a = CreateTestProbe();
        server.Tell(Push(server, "a", 1, 0), a);
        a.ExpectNoMsg(s_quiet);

        server.Tell(new LiveWorkers(["a"]));

        Assert.True(a.ExpectMsg<PushReply>().Applied);
    }

    [Fact]
    public void Async_applies_each_push_on_arrival()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a", "b");
        var a = CreateTestProbe();

        server.Tell(Push(server, "a", 1, 0), a);

        var reply = a.ExpectMsg<PushReply>();
        Assert.True(reply.Applied);
        Assert.All(reply.Weights, w => Assert.Equal(1, w.Version));
    }

    [Fact]
    public void Ssp_holds_back_a_worker_that_runs_ahead_and_releases_it_when_the_slowest_catches_up()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Ssp, staleness: 1), "a", "b");
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        server.Tell(Push(server, "a", 1, 0), a);
        a.ExpectMsg<PushReply>();

        server.Tell(Push(server, "a", 2, 1), a);
        a.ExpectNoMsg(s_quiet);
        server.Tell(Push(server, "b", 1, 2), b);

        b.ExpectMsg<PushReply>();
        Assert.Equal(2, a.ExpectMsg<PushReply>().Step);
    }

    [Fact]
    public void Versions_only_increase()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");
        var versions = new List<long>();
        for (int step = 1; step <= 5; step++)
        {
            server.Tell(Push(server, "a", step, step), TestActor);
            versions.Add(ExpectMsg<PushReply>().Weights[0].Version);
        }

        Assert.Equal([1, 2, 3, 4, 5], versions);
    }

    [Fact]
    public void A_push_from_a_worker_that_is_not_live_is_refused()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");

        server.Tell(Push(server, "intruder", 1, 0), TestActor);

        var reply = ExpectMsg<PushReply>();
        Assert.False(reply.Applied);
        Assert.Empty(reply.Weights);
        Assert.Contains("parameter server 0 refused batch 0 of epoch 1: worker intruder", reply.Refused);
    }

    [Fact]
    public void A_push_from_an_incarnation_that_is_not_the_live_one_is_answered_as_refused_and_not_applied()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async));
        server.Tell(new LiveWorkers(["w1"], [2]));
        var before = Weights(server);

        server.Tell(Push(server, "w1", 1, 0) with { Incarnation = 1 }, TestActor);

        var reply = ExpectMsg<PushReply>();
        Assert.False(reply.Applied);
        Assert.Contains("is not the live incarnation of w1", reply.Refused);
        Assert.Equal(before, Weights(server));
        server.Tell(new ReportApplied(1), TestActor);
        Assert.Empty(ExpectMsg<BatchesApplied>().BatchIds);
    }

    [Theory]
    [InlineData(ConsistencyMode.Sync)]
    [InlineData(ConsistencyMode.Async)]
    public void A_new_incarnation_of_a_worker_name_starts_clean(ConsistencyMode mode)
    {
        var server = StartServer(TestData.Plan(mode: mode));
        server.Tell(new LiveWorkers(["w1"], [1]));
        for (int step = 1; step <= 3; step++)
        {
            server.Tell(Push(server, "w1", step, batch: step) with { Incarnation = 1 }, TestActor);
            Assert.True(ExpectMsg<PushReply>().Applied);
        }

        // w1 restarts: its steps count from 1 again, which the previous incarnation's last step (3) must not hide.
        server.Tell(new LiveWorkers(["w1"], [2]));
        server.Tell(Push(server, "w1", 1, batch: 7) with { Incarnation = 2 }, TestActor);

        var reply = ExpectMsg<PushReply>();
        Assert.True(reply.Applied);
        Assert.Null(reply.Refused);
        server.Tell(Push(server, "w1", 4, batch: 8) with { Incarnation = 1 }, TestActor);
        Assert.NotNull(ExpectMsg<PushReply>().Refused);
    }

    [Fact]
    public void The_server_reports_the_batches_it_applied_with_their_samples_and_not_the_refused_ones()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");
        server.Tell(Push(server, "a", 1, batch: 3, samples: 32), TestActor);
        ExpectMsg<PushReply>();
        server.Tell(Push(server, "a", 2, batch: 5, samples: 10), TestActor);
        ExpectMsg<PushReply>();
        server.Tell(Push(server, "intruder", 1, batch: 7), TestActor);
        Assert.NotNull(ExpectMsg<PushReply>().Refused);

        server.Tell(new ReportApplied(1), TestActor);

        var report = ExpectMsg<BatchesApplied>();
        Assert.Equal((0, 1), (report.Server, report.Epoch));
        Assert.Equal([(3, 32), (5, 10)], report.BatchIds.Zip(report.Samples).OrderBy(p => p.First));
    }

    private float[] Weights(IActorRef server)
    {
        server.Tell(new PullWeights(0), TestActor);
        return ExpectMsg<WeightsReply>().Weights.SelectMany(w => w.Values.ToArray()).ToArray();
    }

    [Fact]
    public void A_push_lacking_a_chunk_stops_the_server_and_tells_the_coordinator_why()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");
        Watch(server);
        var push = Push(server, "a", 1, 0);

        server.Tell(push with { Gradients = push.Gradients.Skip(1).ToList() }, TestActor);

        var failed = ExpectMsg<TrainingFailed>();
        Assert.Contains("parameter server 0 stopped on PushGradients", failed.Reason);
        Assert.Contains($"push lacks chunk {push.Gradients[0].ChunkId}", failed.Reason);
        ExpectTerminated(server);
    }
    /// <summary>
    /// <paramref name="push"/> cut into parts as a worker's backward pass sends them for the small mlp: the last dense
    /// layer's chunks (2, 3) first, then the first one's (0, 1).
    /// </summary>
    private static PushGradients[] InParts(PushGradients push) =>
    [
        push with { Gradients = push.Gradients.Where(g => g.ChunkId >= 2).ToList(), Part = 0, Parts = 2 },
        push with { Gradients = push.Gradients.Where(g => g.ChunkId < 2).ToList(), Part = 1, Parts = 2 },
    ];

    [Fact]
    public void Sync_applies_each_part_as_soon_as_every_worker_has_sent_it_and_answers_that_part_with_its_chunks()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Sync, lr: 1f), "a", "b");
        var before = Weights(server);
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var partsA = InParts(Push(server, "a", 1, 0, value: 1f, samples: 10));
        var partsB = InParts(Push(server, "b", 1, 1, value: 4f, samples: 30));

        server.Tell(partsA[0], a);
        a.ExpectNoMsg(s_quiet);
        server.Tell(partsB[0], b);

        // Chunks 2 and 3 are applied and answered while chunks 0 and 1 still wait for their round.
        var replyA = a.ExpectMsg<PushReply>();
        b.ExpectMsg<PushReply>();
        Assert.Equal(0, replyA.Part);
        Assert.Equal([2, 3], replyA.Weights.Select(w => w.ChunkId));
        Assert.Empty(replyA.State);
        Assert.Equal(Weights(server).Take(16 * 784 + 16), before.Take(16 * 784 + 16));

        server.Tell(partsA[1], a);
        a.ExpectNoMsg(s_quiet);
        server.Tell(partsB[1], b);

        var lastA = a.ExpectMsg<PushReply>();
        Assert.Equal(1, lastA.Part);
        Assert.Equal([0, 1], lastA.Weights.Select(w => w.ChunkId));
        b.ExpectMsg<PushReply>();
        // SGD, lr 1: every weight moved by (10·1 + 30·4) / 40, each chunk once.
        Assert.All(Weights(server).Zip(before), p => Assert.Equal(p.Second - 3.25f, p.First, 4));
        server.Tell(new ReportApplied(1), TestActor);
        var report = ExpectMsg<BatchesApplied>();
        Assert.Equal([(0, 10), (1, 30)], report.BatchIds.Zip(report.Samples).OrderBy(p => p.First));
    }

    [Fact]
    public void A_batch_counts_as_applied_only_once_every_part_of_its_push_is_applied()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");
        var parts = InParts(Push(server, "a", 1, batch: 4, samples: 32));

        server.Tell(parts[0], TestActor);
        Assert.True(ExpectMsg<PushReply>().Applied);
        server.Tell(new ReportApplied(1), TestActor);
        Assert.Empty(ExpectMsg<BatchesApplied>().BatchIds);

        server.Tell(parts[1], TestActor);
        Assert.Equal(1, ExpectMsg<PushReply>().Part);
        server.Tell(new ReportApplied(1), TestActor);
        var report = ExpectMsg<BatchesApplied>();
        Assert.Equal([4], report.BatchIds);
        Assert.Equal([32], report.Samples);
    }

    [Fact]
    public void A_worker_lost_between_two_parts_leaves_its_batch_to_the_next_push_of_it_which_fills_only_the_chunks_it_lacks()
    {
        // Async, SGD, lr 1: a gradient of all v moves every weight of the chunks it enters by -v.
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async, lr: 1f), "a", "b");
        var before = Weights(server);
        int first = 16 * 784 + 16; // chunks 0 and 1: the first dense layer; 2 and 3 the last
        var lost = InParts(Push(server, "a", 1, batch: 6, value: 1f, samples: 32));
        server.Tell(lost[0], TestActor);
        ExpectMsg<PushReply>();

        server.Tell(new LiveWorkers(["b"])); // a is lost before its second part: its push is abandoned
        server.Tell(Push(server, "b", 1, batch: 6, value: 2f, samples: 32), TestActor); // the batch dealt again, whole
        ExpectMsg<PushReply>();

        var after = Weights(server);
        Assert.All(after.Take(first).Zip(before), p => Assert.Equal(p.Second - 2f, p.First, 4)); // only b's gradient
        Assert.All(after.Skip(first).Zip(before.Skip(first)), p => Assert.Equal(p.Second - 1f, p.First, 4)); // only a's
        server.Tell(new ReportApplied(1), TestActor);
        var report = ExpectMsg<BatchesApplied>();
        Assert.Equal([6], report.BatchIds);
        Assert.Equal(0, report.SamplesDoubled);
    }

    [Fact]
    public void Every_part_of_a_refused_push_is_refused_even_if_its_worker_became_live_meanwhile()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");
        var before = Weights(server);
        var parts = InParts(Push(server, "late", 1, batch: 2));

        server.Tell(parts[0], TestActor);
        var first = ExpectMsg<PushReply>();
        server.Tell(new LiveWorkers(["a", "late"]));
        server.Tell(parts[1], TestActor);
        var second = ExpectMsg<PushReply>();

        Assert.Contains("is not live", first.Refused);
        Assert.Equal(first.Refused, second.Refused);
        Assert.Equal((0, 1), (first.Part, second.Part));
        Assert.Empty(second.Weights);
        Assert.Equal(before, Weights(server));
        server.Tell(new ReportApplied(1), TestActor);
        Assert.Empty(ExpectMsg<BatchesApplied>().BatchIds);
    }

    [Fact]
    public void A_repeated_part_is_answered_again_and_applied_once()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");
        var parts = InParts(Push(server, "a", 1, batch: 0));

        server.Tell(parts[0], TestActor);
        var first = ExpectMsg<PushReply>();
        server.Tell(parts[0], TestActor);
        var again = ExpectMsg<PushReply>();

        Assert.True(first.Applied);
        Assert.False(again.Applied);
        Assert.Equal(first.Weights.Select(w => w.Version), again.Weights.Select(w => w.Version));
    }

    [Theory]
    [InlineData("a part numbered past its count", "push part 2 of 2: a push has at least one part, numbered from 0")]
    [InlineData("a chunk carried twice", "push part 1 of 2 carries chunk 2 again")]
    [InlineData("a chunk the server does not own", "push part 0 of 2 carries a gradient for chunk 9, which this server does not train")]
    [InlineData("another part count", "disagrees with its first part (2 parts")]
    public void A_malformed_push_part_stops_the_server_and_tells_the_coordinator_why(string what, string expected)
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Sync), "a", "b");
        Watch(server);
        var parts = InParts(Push(server, "a", 1, 0));
        PushGradients bad = what switch
        {
            "a part numbered past its count" => parts[1] with { Part = 2 },
            "a chunk carried twice" => parts[1] with { Gradients = [.. parts[1].Gradients, parts[0].Gradients[0]] },
            "a chunk the server does not own" => parts[0] with { Gradients = [.. parts[0].Gradients, new ChunkValues(9, 0, new float[3])] },
            _ => parts[1] with { Parts = 3 },
        };
        if (what is "a chunk carried twice" or "another part count")
        {
            server.Tell(parts[0], TestActor);
        }

        server.Tell(bad, TestActor);

        var failed = ExpectMsg<TrainingFailed>();
        Assert.Contains("parameter server 0 stopped on PushGradients", failed.Reason);
        Assert.Contains(expected, failed.Reason);
        ExpectTerminated(server);
    }
}
