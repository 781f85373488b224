using Akka.Actor;
using DistNN.Training.Configuration;

namespace DistNN.Training.Actors.Supervision;

/// <summary>
/// The deadline of the requests an actor has out to the parameter servers (a push round, a pull): started when they are
/// sent, stopped when the last reply is in. If it passes, the actor receives <see cref="ServerRequestOverdue"/> — a server
/// that stalls (stopped, stuck, its connection silent) fails the run instead of hanging it.
/// </summary>
public sealed class ServerDeadline(ITimerScheduler timers, TimeSpan timeout)
{
    private const string Key = "server-deadline";

    public ServerDeadline(ITimerScheduler timers, ActorSystem system)
        : this(timers, FailureSettings.From(system.Settings.Config).ServerRequestTimeout)
    {
    }

    public TimeSpan Timeout { get; } = timeout;

    /// <summary>Starts (or restarts) the deadline of <paramref name="request"/>, e.g. "push of step 12".</summary>
    public void Start(string request) => timers.StartSingleTimer(Key, new ServerRequestOverdue(request), Timeout);

    /// <summary>Every reply is in (a cancelled deadline's message is never delivered).</summary>
    public void Stop() => timers.Cancel(Key);

    /// <summary>The run's failure: which request, how many servers did not answer and how long was waited.</summary>
    public string Reason(string who, ServerRequestOverdue overdue, int unanswered, int servers) =>
        $"{who}: {unanswered} of {servers} parameter server(s) did not answer its {overdue.Request} within {Timeout.TotalSeconds:0.#} s "
        + $"(a stalled or unreachable server; {FailureSettings.Section}.server-request-timeout)";
}

/// <summary>A timer message that never leaves its actor.</summary>
public sealed record ServerRequestOverdue(string Request) : INoSerializationVerificationNeeded;
