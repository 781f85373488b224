using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// A server rolled back (<see cref="RestoreShard"/> or <see cref="ResetShard"/> of a new generation, as when a lost server
/// is replaced) refuses what workers sent before it: a push computed on the weights since replaced is answered as refused
/// and not applied, and an idle notice of the old generation does not change who a sync round waits for.
/// </summary>
public sealed class RollbackGenerationSpec : TestKit
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(300);
    private readonly string _directory = Directory.CreateTempSubdirectory("distnn-generation-").FullName;

    public RollbackGenerationSpec() : base(ActorTestConfig.Setup)
    {
    }

    /// <summary>A server whose coordinator is the test actor, writing checkpoints into the spec's folder when told, with <paramref name="workers"/> live.</summary>
    private IActorRef StartServer(TrainingPlan plan, params string[] workers)
    {
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(plan.ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>(TimeSpan.FromSeconds(10));
        server.Tell(new CheckpointPolicy(_directory, 0));
        server.Tell(new LiveWorkers(workers));
        return server;
    }

    private float[][] Pull(IActorRef server)
    {
        server.Tell(new PullWeights(0), TestActor);
        return ExpectMsg<WeightsReply>().Weights.Select(w => w.Values.ToArray()).ToArray();
    }

    /// <summary>Worker <paramref name="worker"/>'s push of batch <paramref name="batch"/> in epoch 1, every gradient value 1, tagged with <paramref name="generation"/>.</summary>
    private PushGradients Push(IActorRef server, string worker, long step, int batch, int generation)
    {
        server.Tell(new PullWeights(0), TestActor);
        var grads = ExpectMsg<WeightsReply>().Weights.Select(w => new ChunkValues(w.ChunkId, 0, Enumerable.Repeat(1f, w.Values.Length).ToArray())).ToList();
        return new PushGradients(worker, step, 1, batch, 32, 0, grads, [], Generation: generation);
    }

    /// <summary>What the coordinator tells the servers around a rollback: nobody live, then (the epoch dealt again) the workers.</summary>
    private static void RollbackLiveness(IActorRef server, params string[] workers)
    {
        server.Tell(new LiveWorkers([]));
        server.Tell(new LiveWorkers(workers));
    }

    [Fact]
    public void A_push_of_the_old_generation_arriving_after_a_restore_is_refused_and_leaves_the_restored_weights_untouched()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");
        server.Tell(Push(server, "a", 1, batch: 0, generation: 0), TestActor);
        Assert.True(ExpectMsg<PushReply>().Applied);
        server.Tell(new TakeCheckpoint("step-0000000001"), TestActor);
        var checkpoint = ExpectMsg<ShardCheckpointed>(TimeSpan.FromSeconds(10));
        var atCheckpoint = Pull(server);
        server.Tell(Push(server, "a", 2, batch: 1, generation: 0), TestActor);
        Assert.True(ExpectMsg<PushReply>().Applied);
        var stale = Push(server, "a", 3, batch: 2, generation: 0); // computed before the rollback, delivered after it

        server.Tell(new RestoreShard(checkpoint.Folder, 0, checkpoint.Files, Generation: 1), TestActor);
        var restored = ExpectMsg<ShardRestored>(TimeSpan.FromSeconds(10));
        RollbackLiveness(server, "a");
        server.Tell(stale, TestActor);
        var refused = ExpectMsg<PushReply>();

        Assert.Equal(1, restored.Generation);
        Assert.False(refused.Applied);
        Assert.Contains("before the servers were rolled back (its generation 0, the servers' 1)", refused.Refused);
        Assert.Equal(1, refused.Generation);
        Assert.Equal(atCheckpoint, Pull(server));
        server.Tell(Push(server, "a", 4, batch: 2, generation: 1), TestActor);
        var fresh = ExpectMsg<PushReply>();
        Assert.True(fresh.Applied);
        Assert.Equal(1, fresh.Generation);
        Assert.NotEqual(atCheckpoint, Pull(server));
    }

    [Fact]
    public void A_reset_takes_the_server_back_to_the_plans_initial_state_and_refuses_the_old_generation()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Async), "a");
        var initial = Pull(server);
        server.Tell(Push(server, "a", 1, batch: 0, generation: 0), TestActor);
        var moved = ExpectMsg<PushReply>();
        Assert.True(moved.Applied);
        var stale = Push(server, "a", 2, batch: 1, generation: 0);

        server.Tell(new ResetShard(1), TestActor);
        var reset = ExpectMsg<ShardRestored>(TimeSpan.FromSeconds(10));
        RollbackLiveness(server, "a");
        server.Tell(stale, TestActor);
        var refused = ExpectMsg<PushReply>();

        Assert.Equal((0L, 1), (reset.Step, reset.Generation));
        Assert.NotNull(refused.Refused);
        Assert.Equal(initial, Pull(server));
        // Batch 0 was applied before the reset, which forgot it: applied again, as the first update of every chunk.
        server.Tell(Push(server, "a", 3, batch: 0, generation: 1), TestActor);
        var again = ExpectMsg<PushReply>();
        Assert.True(again.Applied);
        Assert.Equal(moved.Weights.Select(w => w.Values.ToArray()), again.Weights.Select(w => w.Values.ToArray()));
        Assert.All(again.Weights, w => Assert.Equal(1, w.Version));
    }

    [Fact]
    public void An_idle_notice_of_the_old_generation_does_not_release_a_sync_round_after_a_restore()
    {
        var server = StartServer(TestData.Plan(mode: ConsistencyMode.Sync), "a", "b");
        var a = CreateTestProbe();
        server.Tell(new ResetShard(1), TestActor);
        ExpectMsg<ShardRestored>(TimeSpan.FromSeconds(10));
        RollbackLiveness(server, "a", "b");

        server.Tell(new WorkerIdle("b", 1, 0, Generation: 0));
        server.Tell(Push(server, "a", 1, batch: 0, generation: 1), a);

        a.ExpectNoMsg(s_quiet); // the round still waits for b
        server.Tell(Push(server, "b", 1, batch: 1, generation: 1), TestActor);
        Assert.True(a.ExpectMsg<PushReply>().Applied);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
