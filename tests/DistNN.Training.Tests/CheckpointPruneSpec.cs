using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Checkpoints;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// `--keep-checkpoints 1`: the newest complete checkpoint is never deleted before a newer one is complete — not by the
/// manifest of a cut taken before a rollback chose it (that manifest is not written any more), not beside finished
/// checkpoints of higher steps (a rolled-back or resumed run writes lower steps than are on disk).
/// </summary>
public sealed class CheckpointPruneSpec : TestKit
{
    private static readonly TimeSpan s_write = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("distnn-prune-").FullName;
    private readonly TrainingPlan _plan = TestData.Plan(mode: ConsistencyMode.Async);

    public CheckpointPruneSpec() : base(ActorTestConfig.Setup)
    {
    }

    /// <summary>A server (the test actor its coordinator) that has applied <paramref name="pushes"/> batches, then written its shard into <paramref name="folder"/>.</summary>
    private ShardCheckpointed ShardAfter(int pushes, string folder)
    {
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(_plan.ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>(s_write);
        server.Tell(new CheckpointPolicy(_directory, 0));
        server.Tell(new LiveWorkers(["a"]));
        for (int step = 1; step <= pushes; step++)
        {
            server.Tell(new PullWeights(0), TestActor);
            var grads = ExpectMsg<WeightsReply>().Weights.Select(w => new ChunkValues(w.ChunkId, 0, Enumerable.Repeat(1f, w.Values.Length).ToArray())).ToList();
            server.Tell(new PushGradients("a", step, 1, step - 1, 32, 0, grads, []), TestActor);
            ExpectMsg<PushReply>();
        }
        server.Tell(new TakeCheckpoint(folder), TestActor);
        var shard = ExpectMsg<ShardCheckpointed>(s_write);
        Sys.Stop(server);
        return shard;
    }

    private CheckpointKeeper KeepingOne() => new(new CheckpointOptions(_directory, Every: 1, Keep: 1), _plan, TestActor, Sys.Log);

    private bool IsGood(string folder) => CheckpointStore.Check(Path.Combine(_directory, folder)).IsGood;

    [Fact]
    public void A_manifest_queued_before_a_rollback_chose_its_checkpoint_is_not_written_and_does_not_prune_the_chosen_one()
    {
        var step1 = ShardAfter(1, "step-0000000001");
        var step2 = ShardAfter(2, "step-0000000002");
        var keeper = KeepingOne();
        keeper.OnShard(step1, totalBatches: 10);
        ExpectMsg<ManifestWritten>(s_write);
        using var gate = new ManualResetEventSlim();
        Assert.True(CheckpointWriter.Shared.TryEnqueue(() => gate.Wait(s_write))); // the disk is behind: step 2's manifest waits

        keeper.OnShard(step2, totalBatches: 10);
        var chosen = keeper.ChooseForRollback(_ => { });
        gate.Set();
        Assert.True(CheckpointWriter.Shared.Flush(s_write));

        Assert.Equal("step-0000000001", chosen?.Folder);
        Assert.True(IsGood("step-0000000001"), "the checkpoint the rollback reads was pruned");
        Assert.False(File.Exists(Path.Combine(_directory, "step-0000000002", CheckpointManifest.FileName)));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        // The rolled-back run's own step 2: complete, so step 1 may go now.
        keeper.OnShard(step2, totalBatches: 10);
        ExpectMsg<ManifestWritten>(s_write);
        Assert.True(IsGood("step-0000000002"));
        Assert.False(Directory.Exists(Path.Combine(_directory, "step-0000000001")));
    }

    [Fact]
    public void The_checkpoint_just_completed_is_kept_beside_a_finished_one_of_a_higher_step()
    {
        var earlier = ShardAfter(3, "step-0000000003"); // a run that went further, then was rolled back or resumed from before it
        KeepingOne().OnShard(earlier, totalBatches: 10);
        ExpectMsg<ManifestWritten>(s_write);
        var later = ShardAfter(1, "step-0000000001");

        KeepingOne().OnShard(later, totalBatches: 10);
        ExpectMsg<ManifestWritten>(s_write);

        Assert.True(IsGood("step-0000000001"), "the checkpoint just completed was pruned");
        Assert.False(Directory.Exists(Path.Combine(_directory, "step-0000000003")));
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
