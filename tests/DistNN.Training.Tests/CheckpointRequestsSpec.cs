using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// Checkpoints asked of a server while a sync round is under way wait for the round to finish, and none is lost when
/// several wait at once (an epoch's end and an interrupt in the same round): each is written, in the order asked.
/// </summary>
public sealed class CheckpointRequestsSpec : TestKit
{
    private readonly string _directory = Directory.CreateTempSubdirectory("distnn-requests-").FullName;

    public CheckpointRequestsSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public void Two_checkpoints_asked_during_one_sync_round_are_both_written_once_it_finishes()
    {
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(TestData.Plan(mode: ConsistencyMode.Sync).ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>(TimeSpan.FromSeconds(10));
        server.Tell(new CheckpointPolicy(_directory, 0));
        server.Tell(new LiveWorkers(["a", "b"]));
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var partsA = InParts(Push(server, "a", batch: 0));
        var partsB = InParts(Push(server, "b", batch: 1));
        server.Tell(partsA[0], a);
        server.Tell(partsB[0], b);
        a.ExpectMsg<PushReply>(); // chunks 2 and 3 applied, 0 and 1 still wait for their round: a batch in some chunks only
        b.ExpectMsg<PushReply>();

        server.Tell(new TakeCheckpoint("epoch-0001"), TestActor);
        server.Tell(new TakeCheckpoint("interrupt-20261201-000000"), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));         // never a checkpoint of a half-applied round
        server.Tell(partsA[1], a);
        server.Tell(partsB[1], b);

        var first = ExpectMsg<ShardCheckpointed>(TimeSpan.FromSeconds(10));
        var second = ExpectMsg<ShardCheckpointed>(TimeSpan.FromSeconds(10));
        Assert.Equal(["epoch-0001", "interrupt-20261201-000000"], new[] { first.Folder, second.Folder });
        Assert.Equal(1, first.Step);
        Assert.Equal(first.Step, second.Step);
        Assert.Equal([0, 1], second.AppliedBatches.Order());
    }

    /// <summary>A push cut into two parts as a worker's backward pass sends them for the small mlp: chunks 2, 3, then 0, 1.</summary>
    private static PushGradients[] InParts(PushGradients push) =>
    [
        push with { Gradients = push.Gradients.Where(g => g.ChunkId >= 2).ToList(), Part = 0, Parts = 2 },
        push with { Gradients = push.Gradients.Where(g => g.ChunkId < 2).ToList(), Part = 1, Parts = 2 },
    ];

    /// <summary>Worker <paramref name="worker"/>'s push of batch <paramref name="batch"/> in epoch 1, every gradient value 1.</summary>
    private PushGradients Push(IActorRef server, string worker, int batch)
    {
        server.Tell(new PullWeights(0), TestActor);
        var grads = ExpectMsg<WeightsReply>().Weights.Select(w => new ChunkValues(w.ChunkId, 0, Enumerable.Repeat(1f, w.Values.Length).ToArray())).ToList();
        return new PushGradients(worker, 1, 1, batch, 32, 0, grads, []);
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
