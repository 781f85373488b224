using Akka.Configuration;
using DistNN.Training.Cluster;

namespace DistNN.Training.Tests;

/// <summary>
/// A node that did not run for longer than the others wait before removing it knows so by its monotonic clock, whatever
/// membership news it hears first on resuming.
/// </summary>
public class StallDetectorSpec
{
    [Fact]
    public void The_budget_is_the_heartbeat_pause_two_heartbeats_and_the_resolvers_wait()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.cluster.failure-detector { acceptable-heartbeat-pause = 5s, heartbeat-interval = 500ms }
            akka.cluster.split-brain-resolver.stable-after = 3s
            """);
        Assert.Equal(TimeSpan.FromSeconds(9), StallDetector.BudgetFrom(config));
    }

    [Fact]
    public void Checks_on_time_or_late_within_the_budget_are_no_stall_and_a_jump_past_it_is()
    {
        var now = TimeSpan.FromSeconds(1000);
        var stall = new StallDetector(TimeSpan.FromSeconds(9), () => now);

        now += TimeSpan.FromMilliseconds(250);
        Assert.Null(stall.Check());
        now += TimeSpan.FromSeconds(8.9); // a busy machine: late, but not as late as the others' patience
        Assert.Null(stall.Check());
        now += TimeSpan.FromSeconds(12.5); // SIGSTOP until the others had removed the node and ended the run
        Assert.Equal(TimeSpan.FromSeconds(12.5), stall.Check());
        now += TimeSpan.FromMilliseconds(250); // each check starts a new interval
        Assert.Null(stall.Check());
        Assert.StartsWith("this node was removed from the cluster: it did not run for 12.5 s", stall.Message(TimeSpan.FromSeconds(12.5)));
    }

    [Fact]
    public void A_stall_is_recent_for_three_budgets_after_it_ended_then_forgotten()
    {
        var now = TimeSpan.FromSeconds(1000);
        var stall = new StallDetector(TimeSpan.FromSeconds(4), () => now);

        Assert.Null(stall.Recent());
        now += TimeSpan.FromSeconds(10); // stopped, then resumed
        Assert.Equal(TimeSpan.FromSeconds(10), stall.Check());
        now += TimeSpan.FromSeconds(3);
        Assert.Null(stall.Check());
        Assert.Equal(TimeSpan.FromSeconds(10), stall.Recent()); // the coordinator gone 3 s after resuming: the stall explains it
        for (int i = 0; i < 40; i++)
        {
            now += TimeSpan.FromMilliseconds(250);
            stall.Check();
        }
        Assert.Null(stall.Recent()); // 13 s after it: older than three budgets
    }
}
