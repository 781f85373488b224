using Akka.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>distnn.node: the settings of one `distnn node` process as its layers merged them (not yet checked).</summary>
[SettingsPath(Section)]
public sealed record NodeConfig
{
    public const string Section = "distnn.node";

    /// <summary>coordinator, ps, worker, or a combination (coordinator,worker,ps …) as --role takes it; empty when no layer set it.</summary>
    public required string Role { get; init; }

    public required string Host { get; init; }

    public required string PublicHost { get; init; }

    /// <summary>Akka.Remote's port; -1: <see cref="CoordinatorPort"/> for the coordinator, 0 for the others.</summary>
    public required int Port { get; init; }

    public required int CoordinatorPort { get; init; }

    public required IReadOnlyList<string> Seeds { get; init; }

    public required string Name { get; init; }

    public required int Threads { get; init; }

    /// <summary>The CPUs this node's threads may run on ("0", "0-3", "0,2"); empty: no restriction.</summary>
    public required string Cpus { get; init; }

    public required TimeSpan JoinTimeout { get; init; }

    public required TimeSpan LeaveTimeout { get; init; }

    /// <summary>ps and worker: how long to wait for a new coordinator after losing one; zero: exit at once.</summary>
    public required TimeSpan CoordinatorGrace { get; init; }

    public static NodeConfig From(Config config) => new()
    {
        Role = ConfigRead.String(config, Section + ".role"),
        Host = ConfigRead.String(config, Section + ".host"),
        PublicHost = ConfigRead.String(config, Section + ".public-host"),
        Port = ConfigRead.Int(config, Section + ".port"),
        CoordinatorPort = ConfigRead.Int(config, Section + ".coordinator-port"),
        Seeds = ConfigRead.Strings(config, Section + ".seeds"),
        Name = ConfigRead.String(config, Section + ".name"),
        Threads = ConfigRead.Int(config, Section + ".threads"),
        Cpus = ConfigRead.String(config, Section + ".cpus"),
        JoinTimeout = ConfigRead.Duration(config, Section + ".join-timeout"),
        LeaveTimeout = ConfigRead.Duration(config, Section + ".leave-timeout"),
        CoordinatorGrace = ConfigRead.Duration(config, Section + ".coordinator-grace"),
    };
}
