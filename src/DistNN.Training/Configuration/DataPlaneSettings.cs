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

    /// <summary>How long an accepted connection has for its handshake.</summary>
    public required TimeSpan HandshakeTimeout { get; init; }

    /// <summary>Accepted connections still in their handshake (a newer one closes the oldest).</summary>
    public required int MaxPendingConnections { get; init; }

    /// <summary>Connections held after their handshake (one receive thread each).</summary>
    public required int MaxConnections { get; init; }

    /// <summary>Of those, how many one peer address may hold.</summary>
    public required int MaxConnectionsPerPeer { get; init; }

    /// <summary>A connection idle this long is closed.</summary>
    public required TimeSpan IdleTimeout { get; init; }

    /// <summary>local-socket = auto: a Unix domain socket between nodes of one host (a ps node listens on one, a worker uses it); off: TCP only.</summary>
    public required bool LocalSocket { get; init; }

    public static DataPlaneSettings From(Config config) => new()
    {
        Enabled = ConfigRead.Bool(config, Section + ".enabled"),
        Hostname = ConfigRead.String(config, Section + ".hostname"),
        Port = ConfigRead.Int(config, Section + ".port"),
        PublicHostname = ConfigRead.String(config, Section + ".public-hostname"),
        HandshakeTimeout = ConfigRead.Duration(config, Section + ".handshake-timeout"),
        MaxPendingConnections = ConfigRead.Int(config, Section + ".max-pending-connections"),
        MaxConnections = ConfigRead.Int(config, Section + ".max-connections"),
        MaxConnectionsPerPeer = ConfigRead.Int(config, Section + ".max-connections-per-peer"),
        IdleTimeout = ConfigRead.Duration(config, Section + ".idle-timeout"),
        LocalSocket = ConfigRead.String(config, Section + ".local-socket") switch
        {
            "auto" => true,
            "off" or "false" or "no" => false,
            var other => throw new ConfigurationException($"configuration key {Section}.local-socket must be auto or off, not '{other}'"),
        },
    };

    /// <summary>The data plane on, listening on <paramref name="host"/>:<paramref name="port"/>, as a configuration layer.</summary>
    public static Config On(string host, int port, string? publicHost) => DistNNReference.Values(
        (Section + ".enabled", "on"), (Section + ".hostname", host), (Section + ".port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        (Section + ".public-hostname", publicHost ?? ""));
}
