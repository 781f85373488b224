using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Cluster;

namespace DistNN.Training.Tests;

/// <summary>A node's agent supervises the node's server or worker: one that throws is stopped and fails the run with its cause.</summary>
public class NodeAgentSpec : TestKit
{
    private static readonly Config s_cluster = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        akka.cluster.roles = [coordinator]
        """);

    public NodeAgentSpec() : base(ActorTestConfig.With(s_cluster))
    {
    }

    [Fact]
    public void A_member_that_throws_is_stopped_not_restarted_and_the_coordinator_hears_why()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        Sys.ActorOf(Props.Create(() => new Forward(TestActor)), "coordinator");
        var starts = CreateTestProbe();
        var exit = new TaskCompletionSource<int>();

        Sys.ActorOf(NodeAgent.Props((context, _) => context.ActorOf(Props.Create(() => new ThrowsOnItsFirstMessage(starts.Ref)), "worker"),
            _ => { }, exit), NodeAgent.Name);

        starts.ExpectMsg("started", TimeSpan.FromSeconds(30));
        var failed = ExpectMsg<TrainingFailed>(TimeSpan.FromSeconds(30));
        Assert.Matches(@"^worker \(akka(\.tcp)?://[^)]*/user/node/worker\) stopped: InvalidOperationException: a shape mismatch$", failed.Reason);
        starts.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_node_whose_clock_jumped_past_the_failure_budget_runs_on_and_says_it_was_removed_once_the_coordinator_goes(bool stalled)
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        var coordinator = Sys.ActorOf(Props.Create(() => new Forward(TestActor)), "coordinator");
        long nowTicks = TimeSpan.FromSeconds(1000).Ticks;
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var exit = new TaskCompletionSource<int>();
        Sys.ActorOf(NodeAgent.Props((context, _) => context.ActorOf(Props.Create(() => new Forward(TestActor)), "worker"),
            lines.Enqueue, exit, clock: () => TimeSpan.FromTicks(Interlocked.Read(ref nowTicks))), NodeAgent.Name);
        AwaitCondition(() => lines.Any(l => l.StartsWith("registered worker", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        var budget = StallDetector.BudgetFrom(Sys.Settings.Config);
        Interlocked.Add(ref nowTicks, (budget - TimeSpan.FromSeconds(1)).Ticks); // late, within the budget
        Assert.NotSame(exit.Task, await Task.WhenAny(exit.Task, Task.Delay(TimeSpan.FromSeconds(1))));
        if (stalled)
        {
            // Resumed after a stop longer than the budget: alone, that proves nothing (a whole machine paused stalls every node).
            Interlocked.Add(ref nowTicks, (budget + TimeSpan.FromSeconds(3)).Ticks);
            Assert.NotSame(exit.Task, await Task.WhenAny(exit.Task, Task.Delay(TimeSpan.FromSeconds(1))));
        }

        Sys.Stop(coordinator); // then the coordinator goes from the node's view

        Assert.Equal(1, await exit.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        bool saysRemoved = lines.Any(l => l.StartsWith($"this node was removed from the cluster: it did not run for {(budget + TimeSpan.FromSeconds(3)).TotalSeconds:F1} s",
            StringComparison.Ordinal));
        Assert.True(saysRemoved == stalled, string.Join("\n", lines));
    }

    private sealed class Forward : ReceiveActor
    {
        public Forward(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }

    private sealed class ThrowsOnItsFirstMessage : ReceiveActor
    {
        public ThrowsOnItsFirstMessage(IActorRef starts)
        {
            starts.Tell("started");
            Receive<string>(m => throw new InvalidOperationException(m));
            Self.Tell("a shape mismatch\nat layer 2");
        }
    }
}
