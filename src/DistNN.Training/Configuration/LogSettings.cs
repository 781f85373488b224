using Akka.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>distnn.log: how DistNN's Akka logger writes.</summary>
[SettingsPath(Section)]
public sealed record LogSettings
{
    public const string Section = "distnn.log";

    /// <summary>Print an error's stack trace under its line (off: the cause's type and message on the line).</summary>
    public required bool StackTraces { get; init; }

    public static LogSettings From(Config config) => new()
    {
        StackTraces = ConfigRead.Bool(config, Section + ".stack-traces"),
    };
}
