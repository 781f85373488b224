using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Configuration;
using DistNN.Training.Engine;

namespace DistNN.Training.Tests;

/// <summary>
/// A node found gone without traffic to it: the coordinator's node (this spec's system) loses its Akka.Remote association
/// with another node (B, a second ActorSystem of the same cluster in this process, holding worker w1) and probes B's
/// remoting endpoint. Refused (B's system stopped without leaving, as a killed process would): B is downed and w1's
/// batches go to w0, once. Accepted (B alive): nothing. A normal leave: no probe, nothing downed. The failure detector
/// cannot be what finds B here: its heartbeat pause is a minute.
/// </summary>
public sealed class GoneNodeSpec : TestKit
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private static Config Node(string extra = "") => DistNNReference.Values(
        ("akka.actor.provider", "cluster"), ("akka.remote.dot-netty.tcp.hostname", "127.0.0.1"), ("akka.remote.dot-netty.tcp.port", "0"),
        ("akka.cluster.failure-detector.acceptable-heartbeat-pause", "60s"), ("akka.loglevel", "INFO"))
        .WithFallback(ConfigurationFactory.ParseString(extra));

    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<string> _warnings = new();

    public GoneNodeSpec() : base(ActorTestConfig.With(Node()), "a")
    {
        // B stops without leaving when terminated: to the others it is a killed process (its remoting port closed).
        B = ActorSystem.Create("a", ActorTestConfig.With(Node("akka.coordinated-shutdown.run-by-actor-system-terminate = off")));
        var collector = Sys.ActorOf(Props.Create(() => new LogCollector(_warnings)));
        Sys.EventStream.Subscribe(collector, typeof(Warning));
        Sys.EventStream.Subscribe(collector, typeof(Info));
    }

    private ActorSystem B { get; }

    private Address AddressOf(ActorSystem system) => Akka.Cluster.Cluster.Get(system).SelfAddress;

    /// <summary>A and B form a cluster; a coordinator in A trains 2 workers: w0 in A, w1 in B. Returns w0, w1 once both were dealt epoch 1.</summary>
    private async Task<(IActorRef Coordinator, Akka.TestKit.TestProbe W0, Akka.TestKit.TestProbe W1)> Train()
    {
        Akka.Cluster.Cluster.Get(Sys).Join(AddressOf(Sys));
        Akka.Cluster.Cluster.Get(B).Join(AddressOf(Sys));
        await AwaitConditionAsync(() => Task.FromResult(Akka.Cluster.Cluster.Get(Sys).State.Members.Count(m => m.Status == MemberStatus.Up) == 2), s_wait);
        var done = new TaskCompletionSource<TrainingSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = Sys.ActorOf(Coordinator.Props(TestData.Plan(workers: 2, servers: 1), TestData.BarsSource(640, 10),
            e => { if (e is FailureSeen f) _failures.Enqueue(f.What); }, done), "coordinator");
        var server = CreateTestProbe();
        coordinator.Tell(new RegisterServer(server.Ref, "127.0.0.1:5101"), server.Ref);
        await server.FishForMessageAsync<InitServer>(_ => true, s_wait);
        coordinator.Tell(new ServerReady(0, 1, 1), server.Ref);
        var w0 = CreateTestProbe();
        var w1 = new Akka.TestKit.TestProbe(B, new Akka.TestKit.Xunit2.XunitAssertions());
        var fromB = ((ExtendedActorSystem)B).Provider.ResolveActorRef(new RootActorPath(AddressOf(Sys)) / "user" / "coordinator");
        coordinator.Tell(new RegisterWorker(w0.Ref, "w0"), w0.Ref);
        fromB.Tell(new RegisterWorker(w1.Ref, "w1"), w1.Ref);
        foreach (var (name, w, to) in new[] { ("w0", w0, coordinator), ("w1", w1, fromB) })
        {
            await w.FishForMessageAsync<InitWorker>(_ => true, s_wait);
            to.Tell(new WorkerReady(name), w.Ref);
        }
        await w0.FishForMessageAsync<AssignBatches>(a => a.Epoch == 1, s_wait);
        await w1.FishForMessageAsync<AssignBatches>(a => a.Epoch == 1, s_wait);
        return (coordinator, w0, w1);
    }

    [Fact]
    public async Task A_node_whose_remoting_endpoint_refuses_is_downed_and_its_workers_batches_are_handed_on_once()
    {
        var (_, w0, _) = await Train();
        var b = AddressOf(B);

        await B.Terminate();
        var stopped = System.Diagnostics.Stopwatch.StartNew();

        // w1's unfinished batches of epoch 1 go to w0 (the lost worker's path), seconds before any failure detector could.
        await w0.FishForMessageAsync<AssignBatches>(a => a.Epoch == 1, TimeSpan.FromSeconds(5));
        Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(5), $"handed on {stopped.Elapsed.TotalSeconds:F1} s after B stopped");
        // Cluster.Down takes effect through the cluster's own actor, a moment later.
        await AwaitConditionAsync(() => Task.FromResult(Akka.Cluster.Cluster.Get(Sys).State.Members.Any(m => m.Address.Equals(b) && m.Status == MemberStatus.Down)),
            TimeSpan.FromSeconds(3));
        // Further lost associations and failed reconnections with B find nothing left to handle.
        Sys.EventStream.Publish(new DisassociatedEvent(AddressOf(Sys), b, inbound: false));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(_failures, f => f == "worker w1 stopped in epoch 1");
        Assert.Single(_warnings, w => w == $"{b} is the node of worker w1, whose Akka remoting endpoint at 127.0.0.1:{b.Port} refused a connection: its process is gone: downing it");
        Assert.Single(_warnings, w => w.StartsWith("worker w1 stopped; handing its unfinished batches of epoch 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_lost_association_with_a_node_whose_endpoint_accepts_changes_nothing()
    {
        var (_, w0, w1) = await Train();
        var b = AddressOf(B);

        Sys.EventStream.Publish(new DisassociatedEvent(AddressOf(Sys), b, inbound: true));

        await AwaitConditionAsync(() => Task.FromResult(_warnings.Any(w => w.StartsWith($"probe of {b}: Accepted", StringComparison.Ordinal))), s_wait);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(_failures);
        Assert.DoesNotContain(_warnings, w => w.Contains("downing it", StringComparison.Ordinal));
        Assert.Equal(MemberStatus.Up, Akka.Cluster.Cluster.Get(Sys).State.Members.Single(m => m.Address.Equals(b)).Status);
        await w0.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_node_leaving_normally_is_not_probed_nor_downed()
    {
        await Train();
        var b = AddressOf(B);

        Akka.Cluster.Cluster.Get(B).Leave(b);
        await B.WhenTerminated.WaitAsync(s_wait);
        // Its worker stops (DeathWatch, once B is removed): the lost worker's ordinary path.
        await AwaitConditionAsync(() => Task.FromResult(_failures.Contains("worker w1 stopped in epoch 1")), s_wait);
        Sys.EventStream.Publish(new DisassociatedEvent(AddressOf(Sys), b, inbound: true));
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.DoesNotContain(_warnings, w => w.Contains("probing", StringComparison.Ordinal) || w.Contains("refused a connection", StringComparison.Ordinal));
        Assert.DoesNotContain(Akka.Cluster.Cluster.Get(Sys).State.Members, m => m.Address.Equals(b) && m.Status == MemberStatus.Down);
    }

    [Fact]
    public async Task The_probe_tells_a_refusal_from_an_accepting_or_silent_endpoint()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(0);
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Assert.Equal(EndpointProbe.Answer.Accepted, await EndpointProbe.ConnectAsync("127.0.0.1", port, TimeSpan.FromSeconds(1)));
        // Never accepted: once the listen queue is full, a connection is neither accepted nor refused (a paused process).
        var answers = new List<EndpointProbe.Answer>();
        for (int i = 0; i < 8 && !answers.Contains(EndpointProbe.Answer.NoAnswer); i++)
        {
            answers.Add(await EndpointProbe.ConnectAsync("127.0.0.1", port, TimeSpan.FromMilliseconds(300)));
        }
        Assert.Contains(EndpointProbe.Answer.NoAnswer, answers);
        Assert.DoesNotContain(EndpointProbe.Answer.Refused, answers);
        listener.Stop();
        Assert.Equal(EndpointProbe.Answer.Refused, await EndpointProbe.ConnectAsync("127.0.0.1", port, TimeSpan.FromSeconds(1)));
    }

    protected override void AfterAll()
    {
        B.Terminate().Wait(s_wait);
        base.AfterAll();
    }

    /// <summary>Warning and info lines of the coordinator's system, as their messages.</summary>
    private sealed class LogCollector : ReceiveActor
    {
        public LogCollector(ConcurrentQueue<string> lines) => Receive<LogEvent>(e => lines.Enqueue(e.Message?.ToString() ?? ""));
    }
}
