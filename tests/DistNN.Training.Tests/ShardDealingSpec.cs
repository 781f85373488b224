using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using DistNN.Data.Batching;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// The coordinator deals shards, not scattered batches: each worker is told the sample ranges its batches come from, and a
/// stopped worker's unfinished shards move whole to the others. Workers here are probes that only receive their deal.
/// </summary>
public class ShardDealingSpec : TestKit
{
    // 1024 samples in batches of 32: 32 batches per epoch.
    private const int Samples = 1024;
    private const int Batch = 32;

    public ShardDealingSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public void Each_worker_is_dealt_the_batches_of_a_contiguous_block_of_shards_and_told_their_sample_ranges()
    {
        var coordinator = Start(workers: 2);
        var a = Join(coordinator, "a");
        var b = Join(coordinator, "b");

        var dealtA = a.ExpectMsg<AssignBatches>();
        var dealtB = b.ExpectMsg<AssignBatches>();

        foreach (var (dealt, from, to) in new[] { (dealtA, 0, Samples / 2), (dealtB, Samples / 2, Samples) })
        {
            var shards = dealt.Shards!;
            Assert.Equal(ShardLayout.ShardsPerWorker, shards.Count);
            Assert.Equal((from, to), (shards[0].Start, shards[^1].Start + shards[^1].Length));
            Assert.All(shards.Zip(shards.Skip(1)), p => Assert.Equal(p.First.Start + p.First.Length, p.Second.Start));
            // Exactly the batches of those ranges, in order.
            Assert.Equal(Enumerable.Range(from / Batch, (to - from) / Batch), dealt.BatchIds);
        }
    }

    [Fact]
    public void A_stopped_workers_unfinished_shards_move_whole_to_the_live_workers_shared_out_evenly()
    {
        var coordinator = Start(workers: 3);
        var a = Join(coordinator, "a");
        var b = Join(coordinator, "b");
        var c = Join(coordinator, "c");
        a.ExpectMsg<AssignBatches>();
        b.ExpectMsg<AssignBatches>();
        var dealtC = c.ExpectMsg<AssignBatches>();

        Sys.Stop(c.Ref);

        var movedA = a.ExpectMsg<AssignBatches>();
        var movedB = b.ExpectMsg<AssignBatches>();
        Assert.Equal(dealtC.BatchIds.Order(), movedA.BatchIds.Concat(movedB.BatchIds).Order());
        Assert.Equal(dealtC.Shards!.OrderBy(s => s.Id), movedA.Shards!.Concat(movedB.Shards!).OrderBy(s => s.Id));
        // Whole shards: every batch moved to a worker lies in a shard that worker was told of, and the shards split evenly.
        foreach (var moved in new[] { movedA, movedB })
        {
            Assert.All(moved.BatchIds, id => Assert.Contains(moved.Shards!, s => id * Batch >= s.Start && id * Batch < s.Start + s.Length));
            Assert.Equal(dealtC.Shards!.Count / 2, moved.Shards!.Count);
        }
    }

    private IActorRef Start(int workers)
    {
        var plan = TestData.Plan(mode: ConsistencyMode.Async, workers: workers, batch: Batch);
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, TestData.BarsSource(Samples, 32), null, new TaskCompletionSource<TrainingSummary>()));
        Sys.ActorOf(ParameterServer.Props(coordinator));
        return coordinator;
    }

    private TestProbe Join(IActorRef coordinator, string name)
    {
        var probe = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(probe.Ref, name, 1), probe.Ref);
        probe.ExpectMsg<InitWorker>(TimeSpan.FromSeconds(10));
        coordinator.Tell(new WorkerReady(name), probe.Ref);
        return probe;
    }
}
