using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// A ps node with a checkpoint folder of its own (`distnn node --role ps --checkpoint-dir OWN`) that registers, on a
/// resume, as another server index than the one whose files it wrote: the restore fails naming what the folder holds and
/// why, and the server's weights are untouched.
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

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(_own))
        {
            Directory.Delete(_own, recursive: true);
        }
    }
}
