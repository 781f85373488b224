using Akka.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>
/// distnn.failures: how long an actor of a run waits for a parameter server before it fails the run, how long the
/// coordinator waits for a lost server's replacement, and for a worker once none is live.
/// </summary>
[SettingsPath(Section)]
public sealed record FailureSettings
{
    public const string Section = "distnn.failures";

    /// <summary>The longest a push or pull of a worker or the evaluator waits for every server's reply.</summary>
    public required TimeSpan ServerRequestTimeout { get; init; }

    /// <summary>
    /// With standby servers: the longest the coordinator waits for a standby or a new ps node to take a lost server's
    /// chunks, and for a server a worker could not reach to be noticed lost, before it fails the run.
    /// </summary>
    public required TimeSpan ServerReplacementTimeout { get; init; }

    /// <summary>How long the coordinator waits for a worker to join once no live worker is left; zero: the run fails at once.</summary>
    public required TimeSpan WorkerGrace { get; init; }

    /// <summary>
    /// How long the coordinator's probe of a node whose Akka.Remote association it lost waits for the node's remoting
    /// endpoint to accept or refuse a connection (a refusal: the node's process is gone); zero turns the probe off.
    /// </summary>
    public required TimeSpan GoneProbeTimeout { get; init; }

    /// <summary>The longest <see cref="WorkerGrace"/> (an hour): a run waiting longer for a worker is better restarted.</summary>
    public static readonly TimeSpan MaxWorkerGrace = TimeSpan.FromHours(1);

    public static FailureSettings From(Config config) => new()
    {
        ServerRequestTimeout = Positive(ConfigRead.Duration(config, Section + ".server-request-timeout"), Section + ".server-request-timeout"),
        ServerReplacementTimeout = Positive(ConfigRead.Duration(config, Section + ".server-replacement-timeout"), Section + ".server-replacement-timeout"),
        WorkerGrace = Grace(ConfigRead.Duration(config, Section + ".worker-grace"), Section + ".worker-grace"),
        GoneProbeTimeout = NotNegative(ConfigRead.Duration(config, Section + ".gone-probe-timeout"), Section + ".gone-probe-timeout"),
    };

    private static TimeSpan NotNegative(TimeSpan value, string key) => value >= TimeSpan.Zero
        ? value
        : throw new ConfigurationException($"configuration key {key} must be zero (off) or a positive duration, not {value}");

    private static TimeSpan Grace(TimeSpan value, string key) => value >= TimeSpan.Zero && value <= MaxWorkerGrace
        ? value
        : throw new ConfigurationException($"configuration key {key} must be from 0 to {MaxWorkerGrace.TotalSeconds:F0} s, not {value}");

    private static TimeSpan Positive(TimeSpan value, string key) => value > TimeSpan.Zero
        ? value
        : throw new ConfigurationException($"configuration key {key} must be a positive duration, not {value}");
}
