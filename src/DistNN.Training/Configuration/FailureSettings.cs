using Akka.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>distnn.failures: how long an actor of a run waits for a parameter server before it fails the run.</summary>
[SettingsPath(Section)]
public sealed record FailureSettings
{
    public const string Section = "distnn.failures";

    /// <summary>The longest a push or pull of a worker or the evaluator waits for every server's reply.</summary>
    public required TimeSpan ServerRequestTimeout { get; init; }

    public static FailureSettings From(Config config) => new()
    {
        ServerRequestTimeout = Positive(ConfigRead.Duration(config, Section + ".server-request-timeout"), Section + ".server-request-timeout"),
    };

    private static TimeSpan Positive(TimeSpan value, string key) => value > TimeSpan.Zero
        ? value
        : throw new ConfigurationException($"configuration key {key} must be a positive duration, not {value}");
}
