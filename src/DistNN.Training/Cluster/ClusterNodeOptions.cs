using Akka.Configuration;

namespace DistNN.Training.Cluster;

/// <summary>
/// One node's settings after the command line, DISTNN_* environment variables and the HOCON file have been merged
/// (in that order of precedence). The training itself is not here: the coordinator's <see cref="Plan.TrainingPlan"/>
/// is the one description of the run, and the other nodes receive it when they register.
/// </summary>
public sealed record ClusterNodeOptions
{
    /// <summary>The ActorSystem's name on every node: seed addresses read akka.tcp://distnn@host:port.</summary>
    public const string SystemName = "distnn";

    /// <summary>Akka.Remote's default maximum frame: 64 KiB pieces of the remote carrier fit it.</summary>
    public const long DefaultMaxFrameSize = 128_000;

    public required NodeRole Role { get; init; }

    /// <summary>The address Akka.Remote (and a ps node's data plane) binds to.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The address other nodes reach this one at (a container's service name); empty means <see cref="Host"/>.</summary>
    public string PublicHost { get; init; } = "";

    /// <summary>Akka.Remote's port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Seed nodes, akka.tcp://distnn@host:port.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>ps: the data plane's TCP port (0: any free port; the endpoint is announced either way).</summary>
    public int DataPort { get; init; }

    /// <summary>Where this node finds the data set's files (the plan says which data set and how much of it).</summary>
    public string DataDir { get; init; } = "data/mnist";

    /// <summary>worker: the name it registers with; empty: worker@public-host:port.</summary>
    public string Name { get; init; } = "";

    /// <summary>Compute threads of this node; 0: all cores.</summary>
    public int Threads { get; init; }

    /// <summary>How long to keep trying the seed nodes before giving up.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>coordinator: how long to wait for the other nodes to leave at the end of a run.</summary>
    public TimeSpan LeaveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Akka.Remote's maximum frame in bytes; pieces of the remote carrier must fit it on every node.</summary>
    public long MaxFrameSize { get; init; } = DefaultMaxFrameSize;

    /// <summary>The rest of the HOCON file (akka.* tuning), below the settings above in precedence.</summary>
    public Config Hocon { get; init; } = Config.Empty;

    public string AnnouncedHost => string.IsNullOrEmpty(PublicHost) ? Host : PublicHost;

    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
