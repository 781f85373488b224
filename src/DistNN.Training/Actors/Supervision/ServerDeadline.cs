using Akka.Actor;
using DistNN.Training.Configuration;

namespace DistNN.Training.Actors.Supervision;

/// <summary>
/// The deadline of the requests an actor has out to the parameter servers (a push round, a pull): started when they are
/// sent, stopped when the last reply is in. If it passes, the actor receives <see cref="ServerRequestOverdue"/> — a server
/// that stalls (stopped, stuck, its connection silent) fails the run instead of hanging it.
/// </summary>
public sealed class ServerDeadline(ITimerScheduler timers, TimeSpan timeout, Func<TimeSpan>? clock = null)
{
    private const string Key = "server-deadline";

    /// <summary>How much later than its deadline an overdue notice may come before it says this process itself was stalled.</summary>
    public static readonly TimeSpan Lateness = TimeSpan.FromSeconds(2);

    // The monotonic clock since the type was first used. (Timestamp × ticks-per-second overflowed a long after 15 min of
    // the machine's uptime where timestamps are nanoseconds, so a deadline straddling a wrap read ±30 min late.)
    private static readonly long s_origin = System.Diagnostics.Stopwatch.GetTimestamp();

    private readonly Func<TimeSpan> _clock = clock ?? (() => System.Diagnostics.Stopwatch.GetElapsedTime(s_origin));
    private TimeSpan _startedAt;

    public ServerDeadline(ITimerScheduler timers, ActorSystem system)
        : this(timers, FailureSettings.From(system.Settings.Config).ServerRequestTimeout)
    {
    }

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>Starts (or restarts) the deadline of <paramref name="request"/>, e.g. "push of step 12".</summary>
    public void Start(string request)
    {
        _startedAt = _clock();
        timers.StartSingleTimer(Key, new ServerRequestOverdue(request), Timeout);
    }

    /// <summary>
    /// True when <paramref name="overdue"/> came more than <see cref="Lateness"/> after its deadline: this process was
    /// stopped or starved meanwhile (SIGSTOP, a long pause), so the replies may be waiting unread, and its own lateness
    /// says nothing of the servers. The deadline then starts again instead of failing the run.
    /// </summary>
    public bool RestartIfLate(ServerRequestOverdue overdue)
    {
        if (_clock() - _startedAt < Timeout + Lateness)
        {
            return false;
        }
        Start(overdue.Request);
        return true;
    }

    /// <summary>Every reply is in (a cancelled deadline's message is never delivered).</summary>
    public void Stop() => timers.Cancel(Key);

    /// <summary>The run's failure: which request, how many servers did not answer and how long was waited.</summary>
    public string Reason(string who, ServerRequestOverdue overdue, int unanswered, int servers) =>
        $"{who}: {unanswered} of {servers} parameter server(s) did not answer its {overdue.Request} within {Timeout.TotalSeconds:0.#} s "
        + $"(a stalled or unreachable server; {FailureSettings.Section}.server-request-timeout)";
}

/// <summary>A timer message that never leaves its actor.</summary>
public sealed record ServerRequestOverdue(string Request) : INoSerializationVerificationNeeded;
