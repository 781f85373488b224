using Akka.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>distnn.data-plane: whether this node listens for tensor frames, and where.</summary>
[SettingsPath(Section)]
public sealed record DataPlaneSettings
{
    public const string Section = "distnn.data-plane";

    public required bool Enabled { get; init; }

    public required string Hostname { get; init; }

    public required int Port { get; init; }

    /// <summary>The host announced to workers; empty: <see cref="Hostname"/>.</summary>
    public required string PublicHostname { get; init; }

    public static DataPlaneSettings From(Config config) => new()
    {
        Enabled = ConfigRead.Bool(config, Section + ".enabled"),
        Hostname = ConfigRead.String(config, Section + ".hostname"),
        Port = ConfigRead.Int(config, Section + ".port"),
        PublicHostname = ConfigRead.String(config, Section + ".public-hostname"),
    };

    /// <summary>The data plane on, listening on <paramref name="host"/>:<paramref name="port"/>, as a configuration layer.</summary>
    public static Config On(string host, int port, string? publicHost) => DistNNReference.Values(
        (Section + ".enabled", "on"), (Section + ".hostname", host), (Section + ".port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        (Section + ".public-hostname", publicHost ?? ""));
}
