using Akka.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>The top of the distnn section: settings every command shares.</summary>
[SettingsPath(Section)]
public sealed record DistNNSettings
{
    public const string Section = "distnn";

    /// <summary>The folder of the data set's IDX files.</summary>
    public required string DataDir { get; init; }

    /// <summary>The settings of reference.conf alone.</summary>
    public static DistNNSettings Reference { get; } = From(DistNNReference.Config);

    public static DistNNSettings From(Config config) => new()
    {
        DataDir = ConfigRead.String(config, Section + ".data-dir"),
    };
}
