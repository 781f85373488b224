using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// A ps node with a checkpoint folder of its own (`distnn node --role ps --checkpoint-dir OWN`): its files say which shard
/// they hold (what the node tells the coordinator when it registers); one told to restore another server's shard than the
/// one its folder holds fails naming what the folder holds, its weights untouched; its pruning never deletes the folder of
/// the newest complete checkpoint.
/// </summary>
public sealed class NodeCheckpointFolderSpec : TestKit
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private readonly string _own = Directory.CreateTempSubdirectory("distnn-own-").FullName;
    private readonly TrainingPlan _plan = TestData.Plan(mode: ConsistencyMode.Async, servers: 2);

    public NodeCheckpointFolderSpec() : base(ActorTestConfig.Setup)
    {
    }

    /// <summary>Server <paramref name="index"/> of 2, its files in the node's own folder; its coordinator is the test actor.</summary>
    private IActorRef Server(int index)
    {
        var server = Sys.ActorOf(ParameterServer.Props(null, _own));
        server.Tell(new InitServer(_plan.ToMessage(), index, 2), TestActor);
        ExpectMsg<ServerReady>(s_wait);
        server.Tell(new CheckpointPolicy(Path.Combine(_own, "unused-shared"), 0));
        return server;
    }

    [Fact]
    public void A_node_registered_as_another_server_than_the_one_it_wrote_is_told_so_and_keeps_its_weights()
    {
        var wroteAsOne = Server(1);
        wroteAsOne.Tell(new TakeCheckpoint("step-0000000010"), TestActor);
        var written = ExpectMsg<ShardCheckpointed>(s_wait);
        Sys.Stop(wroteAsOne);
        var nowZero = Server(0);
        nowZero.Tell(new PullWeights(0), TestActor);
        var before = ExpectMsg<WeightsReply>().Weights.Select(w => w.Values.ToArray()).ToList();
        // The manifest's files of server 0 (another node's); this node's folder holds server 1's.
        var serverZeroFiles = written.Files.Select(f => f with { Name = f.Name.Replace("server-1", "server-0", StringComparison.Ordinal) }).ToList();

        nowZero.Tell(new RestoreShard(written.Folder, 0, serverZeroFiles), TestActor);

        var failed = ExpectMsg<TrainingFailed>(s_wait);
        Assert.Contains("holds server-1.safetensors, not server-0.safetensors", failed.Reason);
        Assert.Contains("registered as now (server 0)", failed.Reason);
        nowZero.Tell(new PullWeights(0), TestActor);
        Assert.Equal(before, ExpectMsg<WeightsReply>().Weights.Select(w => w.Values.ToArray()).ToList());
    }

    [Fact]
    public void A_nodes_folder_says_which_shard_of_which_layout_its_files_hold()
    {
        var server = Server(1);
        server.Tell(new TakeCheckpoint("step-0000000010"), TestActor);
        ExpectMsg<ShardCheckpointed>(s_wait);

        var held = Assert.Single(Checkpoints.NodeCheckpointFolders.Held(_own));

        var layout = Parameters.ParameterLayout.For(Nn.Models.ModelBuilder.Build(_plan.Model, _plan.Seed), 2);
        Assert.Equal(new HeldShard("step-0000000010", 1, 2, Checkpoints.ShardFiles.LayoutOf(layout.ChunksOf(1).Select(c => (c.TensorName, c.OffsetInTensor, c.Length)))), held);
        Assert.NotEqual("", held.Layout);
    }

    [Fact]
    public void Pruning_keeps_the_newest_complete_checkpoint_and_the_folders_written_after_it_beyond_the_newest_n()
    {
        var start = DateTime.UtcNow.AddMinutes(-10);
        for (int step = 1; step <= 5; step++)
        {
            string folder = Directory.CreateDirectory(Path.Combine(_own, $"step-{step:D10}")).FullName;
            Directory.SetLastWriteTimeUtc(folder, start.AddSeconds(step));
        }

        // --keep-checkpoints 1 keeps 3 folders by age; this server is 4 checkpoints ahead of the last complete one.
        Checkpoints.NodeCheckpointFolders.Prune(_own, 3, completed: "step-0000000002");

        Assert.Equal(["step-0000000002", "step-0000000003", "step-0000000004", "step-0000000005"],
            Directory.GetDirectories(_own).Select(p => Path.GetFileName(p)!).Order().ToArray());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_own))
        {
            Directory.Delete(_own, recursive: true);
        }
    }
}
