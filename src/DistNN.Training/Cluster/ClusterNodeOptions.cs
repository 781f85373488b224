using Akka.Configuration;
using DistNN.Transport.Security;

namespace DistNN.Training.Cluster;

/// <summary>
/// One node's settings after the command line, DISTNN_* environment variables and the HOCON file have been merged
/// over reference.conf (in that order of precedence) and checked. The training itself is not here: the coordinator's <see cref="Plan.TrainingPlan"/>
/// is the one description of the run, and the other nodes receive it when they register.
/// </summary>
public sealed record ClusterNodeOptions
{
    /// <summary>The ActorSystem's name on every node: seed addresses read akka.tcp://distnn@host:port.</summary>
    public const string SystemName = "distnn";

    public required NodeRole Role { get; init; }

    /// <summary>
    /// coordinator or worker: this node also runs one parameter server (--role coordinator,ps, worker,ps or
    /// coordinator,worker,ps), with its data plane, found and started as a ps node's is; one runtime fewer on the host.
    /// False on ps nodes.
    /// </summary>
    public bool WithPs { get; init; }

    /// <summary>
    /// coordinator: this node also runs one worker (--role coordinator,worker or coordinator,worker,ps), which registers
    /// and trains on its shard as a worker node's does; with <see cref="WithPs"/> it reaches this node's server in memory.
    /// False on other nodes (a worker node's worker is its <see cref="Role"/>).
    /// </summary>
    public bool WithWorker { get; init; }

    /// <summary>This node runs a parameter server: a ps node, or a combination with ps.</summary>
    public bool RunsPs => Role == NodeRole.Ps || WithPs;

    /// <summary>This node runs a worker: a worker node (worker,ps too), or a coordinator node with a worker.</summary>
    public bool RunsWorker => Role == NodeRole.Worker || WithWorker;

    /// <summary>The node's roles as --role takes them, e.g. "worker", "worker,ps" or "coordinator,worker,ps".</summary>
    public string RoleNames => Role.Names(WithWorker, WithPs);

    /// <summary>The address Akka.Remote (and a ps node's data plane) binds to.</summary>
    public required string Host { get; init; }

    /// <summary>The address other nodes reach this one at (a container's service name); empty means <see cref="Host"/>.</summary>
    public required string PublicHost { get; init; }

    /// <summary>Akka.Remote's port; 0 picks a free one.</summary>
    public required int Port { get; init; }

    /// <summary>Seed nodes, akka.tcp://distnn@host:port; empty when <see cref="Bootstrap"/> forms the cluster.</summary>
    public required IReadOnlyList<string> Seeds { get; init; }

    /// <summary>Cluster bootstrap through Akka.Management and discovery instead of seed nodes, or null: the seeds.</summary>
    public Configuration.BootstrapSettings? Bootstrap { get; init; }

    /// <summary>ps: the data plane's TCP port (0: any free port; the endpoint is announced either way).</summary>
    public required int DataPort { get; init; }

    /// <summary>Where this node finds the data set's files (the plan says which data set and how much of it).</summary>
    public required string DataDir { get; init; }

    /// <summary>worker (or a coordinator node's worker): the name it registers with; empty: worker@public-host:port.</summary>
    public required string Name { get; init; }

    /// <summary>Compute threads of this node; 0: all cores.</summary>
    public required int Threads { get; init; }

    /// <summary>--cpus: the CPUs this node's threads may run on (<see cref="CpuAffinity"/>); null: no restriction.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    /// <summary>How long to keep trying the seed nodes before giving up.</summary>
    public required TimeSpan JoinTimeout { get; init; }

    /// <summary>coordinator: how long to wait for the other nodes to leave at the end of a run.</summary>
    public required TimeSpan LeaveTimeout { get; init; }

    /// <summary>
    /// ps and worker: after losing the coordinator, how long to wait for a new one (joining the seeds again); zero: exit 1
    /// at once, as a node did before this setting.
    /// </summary>
    public TimeSpan CoordinatorGrace { get; init; }

    /// <summary>ps: this node's own checkpoint directory (absolute), where its server writes and restores its files; null: the coordinator's (shared).</summary>
    public string? CheckpointDir { get; init; }

    /// <summary>Akka.Remote's maximum frame in bytes; pieces of the remote carrier must fit it on every node.</summary>
    public required long MaxFrameSize { get; init; }

    /// <summary>Mutual TLS on Akka.Remote, or null: plain TCP.</summary>
    public NodeTls? Tls { get; init; }

    /// <summary>The merged configuration (akka.* tuning included), below the settings above in precedence.</summary>
    public required Config Hocon { get; init; }

    public string AnnouncedHost => string.IsNullOrEmpty(PublicHost) ? Host : PublicHost;

    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
