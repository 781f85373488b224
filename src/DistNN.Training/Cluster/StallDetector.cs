using Akka.Configuration;
using DistNN.Training.Configuration;

namespace DistNN.Training.Cluster;

/// <summary>
/// Tells a node that it did not run for longer than the cluster waits before it removes a node (SIGSTOP, a machine
/// swapping, a long stall): the time between two of its own checks, on a monotonic clock that goes on while the process
/// is stopped. Such a node may have been removed by the others: on resuming, what it hears first is a race between its
/// own failure detector (the others, gone, look unreachable; its split-brain resolver may down them and leave it alone
/// in a cluster of its own) and the news that it was removed. A recent stall (<see cref="Recent"/>) settles that race
/// once the coordinator has gone from the node's view; alone it proves nothing (a whole machine paused stalls every node).
/// </summary>
public sealed class StallDetector(TimeSpan budget, Func<TimeSpan>? clock = null)
{
    private readonly Func<TimeSpan> _clock = clock ?? Monotonic;
    private TimeSpan _last = (clock ?? Monotonic)();

    /// <summary>How long a node may not run before the others remove it: the failure detector's pause, its heartbeat, and the resolver's wait.</summary>
    public TimeSpan Budget { get; } = budget;

    /// <summary>
    /// From Akka.Cluster's settings: <c>acceptable-heartbeat-pause</c> + <c>split-brain-resolver.stable-after</c> + two
    /// <c>heartbeat-interval</c>s — the least time before the others can down a node that stopped answering (they notice
    /// later still: the φ detector adds its margin, the resolver its tick, the leader its removal).
    /// </summary>
    public static TimeSpan BudgetFrom(Config config) =>
        ConfigRead.Duration(config, "akka.cluster.failure-detector.acceptable-heartbeat-pause")
        + ConfigRead.Duration(config, "akka.cluster.split-brain-resolver.stable-after")
        + 2 * ConfigRead.Duration(config, "akka.cluster.failure-detector.heartbeat-interval");

    /// <summary>The stall since the previous check when it is longer than <see cref="Budget"/>; null otherwise. Each call starts a new interval.</summary>
    public TimeSpan? Check()
    {
        var now = _clock();
        var gap = now - _last;
        _last = now;
        if (gap <= Budget)
        {
            return null;
        }
        _lastStall = gap;
        _lastStallEnded = now;
        return gap;
    }

    /// <summary>
    /// The last stall past the budget if it ended at most three budgets ago (after a check of its own): the time a resumed
    /// node takes to hear what became of the cluster meanwhile. A stall alone is no proof of removal — a whole machine
    /// paused stalls every node and no one is removed — so a node asks this only once the coordinator has gone from its view.
    /// </summary>
    public TimeSpan? Recent()
    {
        Check();
        return _lastStall is { } stall && _clock() - _lastStallEnded <= 3 * Budget ? stall : null;
    }

    private TimeSpan? _lastStall;
    private TimeSpan _lastStallEnded;

    /// <summary>The one line of a node that finds it stalled past the budget.</summary>
    public string Message(TimeSpan stall) =>
        $"this node was removed from the cluster: it did not run for {stall.TotalSeconds:F1} s (paused, overloaded or swapping), "
        + $"longer than the others wait before they remove a node ({Budget.TotalSeconds:0.#} s: the failure detector's "
        + "acceptable-heartbeat-pause and heartbeats, and the split-brain resolver's stable-after), and the run went on without it; "
        + "exiting with an error";

    /// <summary>Milliseconds since boot (CLOCK_MONOTONIC on Linux): it goes on while the process is stopped.</summary>
    private static TimeSpan Monotonic() => TimeSpan.FromMilliseconds(Environment.TickCount64);
}
