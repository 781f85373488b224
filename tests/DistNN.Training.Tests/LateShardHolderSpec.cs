using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Checkpoints;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// A ps node whose own checkpoint folder holds a shard, registering after the nodes the run would otherwise use: on a
/// resume it is given its shard although the plan's servers registered before it (the node it displaces becomes a
/// standby, or is told it is not needed); in a recovery, registering while the standby pool is full (before the loss is
/// noticed), it is kept and takes the lost server's place.
/// </summary>
public sealed class LateShardHolderSpec : TestKit
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);
    private const string Folder = "step-0000000010";
    private readonly string _dir = Directory.CreateTempSubdirectory("distnn-late-").FullName;

    public LateShardHolderSpec() : base(ActorTestConfig.With(ConfigurationFactory.ParseString("distnn.failures.server-replacement-timeout = 5s")))
    {
    }

    /// <summary>A checkpoint of two servers, each with its files in its node's own folder.</summary>
    private static readonly CheckpointManifest s_manifest = new()
    {
        Folder = Folder, Step = 10, Epoch = 1, Reason = "step", CreatedUtc = DateTime.UtcNow, TotalBatches = 2, BatchesApplied = [], SamplesApplied = 0,
        PermutationSeed = 1, Plan = [], PlanWire = "",
        Chunks = [],
        Servers = [new ManifestServer(0, 10, 1, [], [], 0, "/own-0"), new ManifestServer(1, 10, 1, [], [], 0, "/own-1")],
    };

    /// <summary>What a node's folder says it holds: server <paramref name="server"/>'s files of the checkpoint (matched by index).</summary>
    private static HeldShard[] Holds(int server) => [new(Folder, server, 0, "")];

    private (IActorRef Coordinator, TaskCompletionSource<TrainingSummary> Done, ConcurrentQueue<TrainingEvent> Events) Resume(int standbys, TimeSpan? registration = null)
    {
        var events = new ConcurrentQueue<TrainingEvent>();
        var run = new TrainingRun(TestData.Plan(workers: 1, servers: 2), TestData.BarsSource(64, 10), events.Enqueue)
        {
            Checkpoints = new CheckpointOptions(_dir, ResumeFrom: new CheckpointEntry(Folder, Path.Combine(_dir, Folder), s_manifest, []))
            {
                StandbyServers = standbys,
            },
        };
        return (TrainingHosting.StartCoordinator(Sys, run, registration ?? s_run), run.Completion, events);
    }

    private static void Register(IActorRef coordinator, Akka.TestKit.TestProbe node, IReadOnlyList<HeldShard>? held) =>
        coordinator.Tell(new RegisterServer(node.Ref, "", held), node.Ref);

    [Fact]
    public void On_a_resume_a_node_holding_a_shard_registered_after_the_plans_servers_is_given_it_and_the_one_it_displaces_is_a_standby()
    {
        var (coordinator, done, events) = Resume(standbys: 1);
        var holdsOne = CreateTestProbe();
        var holdsNothing = CreateTestProbe();
        var holdsZero = CreateTestProbe();
        Register(coordinator, holdsOne, Holds(1));
        Register(coordinator, holdsNothing, []);

        Register(coordinator, holdsZero, Holds(0));

        Assert.Equal(0, holdsZero.ExpectMsg<InitServer>(s_wait).ServerIndex);
        Assert.Equal(1, holdsOne.ExpectMsg<InitServer>(s_wait).ServerIndex);
        AwaitCondition(() => events.OfType<MemberSeen>().Any(m => m.Name == "standby-1"), s_wait);
        holdsNothing.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.False(done.Task.IsCompleted, $"the run ended: {done.Task.Exception?.InnerException?.Message}");
    }

    [Fact]
    public void On_a_resume_without_standby_room_the_displaced_node_is_told_it_is_not_needed_and_to_exit_0()
    {
        var agent = CreateTestProbe();
        // Where the coordinator tells a ps node's agent to leave: /user/node of the node's system (this one).
        Sys.ActorOf(Props.Create(() => new Forward(agent.Ref)), Cluster.NodeAgent.Name);
        var (coordinator, done, _) = Resume(standbys: 0);
        var holdsNothing = CreateTestProbe();
        var holdsOne = CreateTestProbe();
        var holdsZero = CreateTestProbe();
        Register(coordinator, holdsNothing, []);
        Register(coordinator, holdsOne, Holds(1));

        Register(coordinator, holdsZero, Holds(0));

        Assert.Equal(0, holdsZero.ExpectMsg<InitServer>(s_wait).ServerIndex);
        Assert.Equal(1, holdsOne.ExpectMsg<InitServer>(s_wait).ServerIndex);
        var leave = agent.ExpectMsg<LeaveCluster>(s_wait);
        Assert.True(leave.Dropped);
        Assert.Equal(0, leave.ExitCode);
        Assert.Contains("not needed", leave.Reason);
        holdsNothing.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.False(done.Task.IsCompleted, $"the run ended: {done.Task.Exception?.InnerException?.Message}");
    }

    [Fact]
    public async Task On_a_resume_nodes_that_cannot_cover_every_shard_by_the_registration_timeout_fail_in_one_line_naming_the_missing_shard()
    {
        var (coordinator, done, _) = Resume(standbys: 1, registration: TimeSpan.FromSeconds(1));
        var a = CreateTestProbe();
        var b = CreateTestProbe();
        var c = CreateTestProbe();
        Register(coordinator, a, Holds(1));
        Register(coordinator, b, []);
        Register(coordinator, c, Holds(1));

        var e = await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_wait));

        Assert.StartsWith("--resume: the ps nodes' checkpoint folders cannot cover every shard of checkpoint step-0000000010: ", e.Message);
        Assert.Contains("shard 0 (server-0.safetensors) is in no registered ps node's folder", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // No server was initialized. The plan's two servers (a and b, registered first) and c, registered beyond them as a
        // candidate for the shards they lack, hear only that the run failed, and why (before their nodes are told to leave):
        // none of them starts anything after it.
        foreach (var node in new[] { a, b, c })
        {
            Assert.Equal($"training failed: {e.Message}", node.ExpectMsg<StopWork>(s_wait).Reason);
            node.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public void A_node_whose_folder_holds_files_is_kept_beyond_a_full_standby_pool_and_one_holding_none_is_not()
    {
        var pool = new StandbyPool(1, spares: 2);
        var (standby, empty, holder) = (CreateTestProbe().Ref, CreateTestProbe().Ref, CreateTestProbe().Ref);
        Assert.True(pool.TryAdd(standby, "", []));
        Assert.False(pool.TryAdd(empty, "", []));

        Assert.True(pool.TryAdd(holder, "", Holds(1)));

        Assert.True(pool.TryTake(held => held is { Count: > 0 }, out var taken));
        Assert.Equal(holder, taken.Server);
        Assert.True(pool.Full);
    }

    /// <summary>
    /// One process: two servers and a standby, each with a folder of its own, checkpoints at epoch ends only. With the
    /// coordinator held at epoch 2's end, a ps actor on a serving server's folder registers (the pool is full) and that
    /// server is stopped, in that order, as a lost node started again on its disk before its loss is noticed: the late
    /// node takes its chunks (the standby's folder holds none of them), and the run ends with the weights of the run
    /// never stopped.
    /// </summary>
    [Fact]
    public async Task In_a_recovery_a_node_holding_the_lost_servers_files_registered_while_the_pool_was_full_takes_its_place()
    {
        var plan = TestData.Plan(TestData.SmallMlp(), ConsistencyMode.Sync, workers: 2, servers: 2, batch: 16, epochs: 3);
        var data = TestData.BarsSource(3200, 10);
        var cleanRun = new TrainingRun(plan, data);
        TrainingHosting.StartActors(Sys, cleanRun, "clean-");
        await cleanRun.Completion.Task.WaitAsync(s_run);

        string shared = Path.Combine(_dir, "ck");
        var events = new ConcurrentQueue<TrainingEvent>();
        using var held = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        int holds = 0;
        var run = new TrainingRun(plan, data, e =>
        {
            events.Enqueue(e);
            // Epoch 2's line comes after its checkpoint was asked for: the coordinator is held there (no other can be asked for).
            if (e is EpochCompleted { Epoch: 2 } && Interlocked.Exchange(ref holds, 1) == 0)
            {
                held.Release();
                release.Wait(s_run);
            }
        })
        {
            Checkpoints = new CheckpointOptions(shared, Every: 0, Keep: 100) { StandbyServers = 1 },
        };
        var coordinator = TrainingHosting.StartCoordinator(Sys, run, s_run);
        var folders = new Dictionary<IActorRef, string>();
        for (int s = 0; s < 3; s++)
        {
            string own = Path.Combine(_dir, $"own-{s}");
            folders[Sys.ActorOf(ParameterServer.Props(coordinator, own), $"late-ps-{s}")] = own;
        }
        TrainingHosting.StartWorkers(Sys, coordinator, run, "late-");
        Assert.True(await held.WaitAsync(s_run), "epoch 2 never ended");
        // A serving server wrote its files of epoch 1 into its folder; the standby has written nothing. Its files of epoch 2
        // are written without the coordinator: once they are in place its folder holds whichever checkpoint the recovery picks.
        var serving = folders.First(f => Directory.Exists(Path.Combine(f.Value, "epoch-0001"))).Key;
        string second = Path.Combine(folders[serving], "epoch-0002");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!(Directory.Exists(second) && Directory.GetFiles(second, "server-*.safetensors").Length == 2) && clock.Elapsed < s_wait)
        {
            await Task.Delay(5);
        }

        var late = Sys.ActorOf(ParameterServer.Props(null, folders[serving]), "late-ps-again");
        coordinator.Tell(new RegisterServer(late, Carriers.TensorTransports.Get(Sys).DataPlane.Announcement, NodeCheckpointFolders.Held(folders[serving])), late);
        Watch(serving);
        Sys.Stop(serving);
        // Its loss is queued behind the registration; the coordinator goes on only now, so no later checkpoint is complete by then.
        ExpectTerminated(serving, s_wait);
        release.Release();

        var summary = await run.Completion.Task.WaitAsync(s_run);
        Assert.Contains(events.OfType<FailureSeen>(), f => f.What.Contains("replacing it from checkpoint epoch-", StringComparison.Ordinal));
        Assert.Equal(3 * 3200, summary.SamplesExpected);
        Assert.Equal(summary.SamplesExpected, summary.SamplesApplied);
        Assert.Equal(summary.SamplesExpected, summary.SamplesProcessed);
        Assert.Equal(Weights(cleanRun.FinalModel!), Weights(run.FinalModel!));
        // The late node wrote the lost server's files of the last epoch into that server's folder; the standby wrote none.
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(folders[serving], "epoch-0003"), "server-*.safetensors"));
        string standby = folders.Values.Single(f => !Directory.Exists(Path.Combine(f, "epoch-0001")));
        Assert.False(Directory.Exists(standby) && Directory.GetFiles(standby, "server-*.safetensors", SearchOption.AllDirectories).Length > 0,
            "the standby without the lost server's files took its chunks");
    }

    private static float[] Weights(Sequential model) => model.Parameters.SelectMany(p => p.Value.Span.ToArray()).ToArray();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Forward : ReceiveActor
    {
        public Forward(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }
}
