using System.ComponentModel;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>
/// `distnn node`. Each node option is looked up on the command line, then in its DISTNN_* environment variable, then in
/// the user's HOCON file, then in reference.conf (every key and its default, built into the program); the options
/// without a default here are the ones with that lookup. The training options only matter on the coordinator.
/// </summary>
public sealed class NodeSettings : PlanSettings
{
    [CommandOption("--role <ROLE>")]
    [Description("coordinator, ps (one parameter server) or worker; or several in one process (one runtime fewer on its host), comma-separated in any order: coordinator,ps (the coordinator and one parameter server); worker,ps (a worker and one parameter server: that worker reaches its own server in memory, the others over the data plane); coordinator,worker or coordinator,worker,ps (the coordinator also trains as one of the workers, as rank 0 does in DDP; with 2 workers, 2 servers: coordinator,worker,ps and worker,ps in 2 processes). Env DISTNN_ROLE.")]
    public string? Role { get; init; }

    [CommandOption("--host <HOST>")]
    [Description("Address Akka.Remote (and a ps node's data plane) binds to (distnn.node.host). Env DISTNN_HOST.")]
    public string? Host { get; init; }

    [CommandOption("--public-host <HOST>")]
    [Description("Address announced to the other nodes (a container's service name). Default: --host. Env DISTNN_PUBLIC_HOST.")]
    public string? PublicHost { get; init; }

    [CommandOption("--port <PORT>")]
    [Description("Akka.Remote port (distnn.node.port), 0 to 65535. Default: distnn.node.coordinator-port for the coordinator, 0 (any free port) for ps and worker. Env DISTNN_PORT.")]
    public int? Port { get; init; }

    [CommandOption("--seed <SEEDS>")]
    [Description("Comma-separated seed nodes akka.tcp://distnn@HOST:PORT (normally the coordinator's address). Required on ps and worker nodes; the coordinator defaults to itself. Env DISTNN_SEEDS.")]
    public string? Seeds { get; init; }

    [CommandOption("--discovery <METHOD>")]
    [Description("Form the cluster without seed addresses, from the nodes Akka.Discovery lists (distnn.bootstrap.discovery): kubernetes (the pods the Kubernetes API lists with distnn.bootstrap.pod-label-selector, their port named remoting) or config (akka.discovery.config.services.NAME.endpoints in the HOCON file). Instead of --seed. Env DISTNN_DISCOVERY.")]
    public string? Discovery { get; init; }

    [CommandOption("--service-name <NAME>")]
    [Description("With --discovery: the name looked up, the pods' label value or the services key (distnn.bootstrap.service-name). Env DISTNN_SERVICE_NAME.")]
    public string? ServiceName { get; init; }

    [CommandOption("--contact-points <N>")]
    [Description("With --discovery: how many nodes must be found before the cluster is formed (distnn.bootstrap.required-contact-points), at least 1. Env DISTNN_REQUIRED_CONTACT_POINTS.")]
    public int? ContactPoints { get; init; }

    [CommandOption("--data-port <PORT>")]
    [Description("ps: the tensor data plane's TCP port (distnn.data-plane.port), 0 to 65535 (0 = any free port, announced either way). Env DISTNN_DATA_PORT.")]
    public int? DataPort { get; init; }

    [CommandOption("--local-socket <MODE>")]
    [Description("auto: between nodes of one host the tensor data plane runs over a Unix domain socket instead of TCP (a ps node listens on one, a worker uses it, TCP if it cannot); off: TCP only (distnn.data-plane.local-socket, default off). Env DISTNN_LOCAL_SOCKET.")]
    public string? LocalSocket { get; init; }

    [CommandOption("--cpus <LIST>")]
    [Description("The CPUs this node's threads may run on, as taskset -c takes them: 0, 0-3 or 0,2-3 (distnn.node.cpus; default: no restriction). Pinning the ps and the coordinator each beside one worker helps a small host (docs/performance.md). Linux only. Env DISTNN_CPUS.")]
    public string? Cpus { get; init; }

    [CommandOption("--name <NAME>")]
    [Description("worker (also coordinator,worker): the name its worker registers with. Default worker@PUBLIC-HOST:PORT. Env DISTNN_NAME.")]
    public string? Name { get; init; }

    [CommandOption("--config <FILE>")]
    [Description("HOCON file over reference.conf (distnn.* and akka.* settings; an unknown distnn key is refused); or DISTNN_CONFIG. Default: cluster-configs/node.hocon in the working directory, else beside the program, else none.")]
    public string? Config { get; init; }

    [CommandOption("--join-timeout <SECONDS>")]
    [Description("How long to keep trying the seed nodes before exiting with an error (distnn.node.join-timeout).")]
    public double? JoinTimeout { get; init; }

    [CommandOption("--coordinator-grace <SECONDS>")]
    [Description("ps and worker: when the coordinator is lost before it ends the run, wait this long (0 to 3600 s) for a new one started at the seed address (distnn node --role coordinator --resume DIR), rejoin and register with it; none by then: exit 1. 0 = exit 1 at once (distnn.node.coordinator-grace, default 30). Env DISTNN_COORDINATOR_GRACE.")]
    public double? CoordinatorGrace { get; init; }

    [CommandOption("--max-frame-size <BYTES>")]
    [Description("Akka.Remote's maximum frame (akka.remote.dot-netty.tcp.maximum-frame-size), at least 32000 (Akka's minimum): --carrier remote pieces must fit it, on every node. Env DISTNN_MAX_FRAME_SIZE.")]
    public long? MaxFrameSize { get; init; }

    [CommandOption("--tls-cert <PATH>")]
    [Description("Mutual TLS on Akka.Remote: this node's certificate (PEM), with --tls-key and --tls-ca (scripts/make-certs.sh makes them). Env DISTNN_TLS_CERT.")]
    public string? TlsCert { get; init; }

    [CommandOption("--tls-key <PATH>")]
    [Description("The unencrypted private key (PEM) of --tls-cert. Env DISTNN_TLS_KEY.")]
    public string? TlsKey { get; init; }

    [CommandOption("--tls-pfx <PATH>")]
    [Description("Instead of --tls-cert and --tls-key: a PKCS#12 file with both, empty password. Env DISTNN_TLS_PFX.")]
    public string? TlsPfx { get; init; }

    [CommandOption("--tls-ca <PATH>")]
    [Description("The cluster's CA (PEM): a peer is accepted only if its certificate chains to it. Required with TLS. Env DISTNN_TLS_CA.")]
    public string? TlsCa { get; init; }

    [CommandOption("--worker-grace <SECONDS>")]
    [Description("coordinator: when the last live worker is lost, how long to wait for a worker to join and take its batches before the run fails (distnn.failures.worker-grace, default 30), 0 (fail at once) to 3600.")]
    public double? WorkerGrace { get; init; }

    [CommandOption("--registration-timeout <SECONDS>")]
    [Description("coordinator: how long to wait for the plan's servers and workers to register; positive.")]
    [DefaultValue(120.0)]
    public double RegistrationTimeout { get; init; } = 120;

    [CommandOption("--random-seed <SEED>")]
    [Description("coordinator: the plan's random seed (what --seed is to distnn train).")]
    [DefaultValue(1)]
    public int PlanSeed { get; init; } = 1;

    [CommandOption("--carrier <CARRIER>")]
    [Description("coordinator: how tensors travel between nodes: dataplane (TCP beside Akka.Remote, default), remote (Akka.Remote in --chunk-bytes pieces), local (whole messages over Akka.Remote).")]
    [DefaultValue("dataplane")]
    public string Carrier { get; init; } = "dataplane";

    [CommandOption("--chunk-bytes <BYTES>")]
    [Description("coordinator, --carrier remote: piece size; at least 1024. 65536 fits the default frame; larger pieces need --max-frame-size above them on every node.")]
    [DefaultValue(65536)]
    public int ChunkBytes { get; init; } = 64 * 1024;

    [CommandOption("--elastic")]
    [Description("coordinator: take workers beyond --workers (they join at the next epoch). Without it the plan's worker count is a limit: an extra worker is refused at registration.")]
    public bool Elastic { get; init; }

    public override int RandomSeed => PlanSeed;

    public override Spectre.Console.ValidationResult Validate()
    {
        if (Carrier is not ("dataplane" or "remote" or "local"))
        {
            return Spectre.Console.ValidationResult.Error($"--carrier must be dataplane, remote or local (got '{Carrier}')");
        }
        if (Port is < 0 or > 65535 || DataPort is < 0 or > 65535)
        {
            return Spectre.Console.ValidationResult.Error($"--port and --data-port must be 0 (any free port) to 65535 (got {Port} and {DataPort})");
        }
        if (ContactPoints is < 1)
        {
            return Spectre.Console.ValidationResult.Error($"--contact-points must be at least 1 (got {ContactPoints})");
        }
        if (ChunkBytes < 1024)
        {
            return Spectre.Console.ValidationResult.Error($"--chunk-bytes must be at least 1024 (a piece also carries its envelope; got {ChunkBytes})");
        }
        if (MaxFrameSize is < 32_000)
        {
            return Spectre.Console.ValidationResult.Error($"--max-frame-size must be at least 32000 bytes, Akka.Remote's own minimum (got {MaxFrameSize})");
        }
        if (CoordinatorGrace is not null && !(CoordinatorGrace is >= 0 and <= NodeOptionsResolver.MaxCoordinatorGraceSeconds))
        {
            return Spectre.Console.ValidationResult.Error($"--coordinator-grace must be 0 to {NodeOptionsResolver.MaxCoordinatorGraceSeconds} seconds (got {CoordinatorGrace})");
        }
        if (WorkerGrace is { } grace && !(grace >= 0 && grace <= Training.Configuration.FailureSettings.MaxWorkerGrace.TotalSeconds))
        {
            return Spectre.Console.ValidationResult.Error($"--worker-grace must be from 0 to {Training.Configuration.FailureSettings.MaxWorkerGrace.TotalSeconds:F0} seconds (got {grace})");
        }
        if (!(RegistrationTimeout > 0) || JoinTimeout is not null && !(JoinTimeout > 0))
        {
            return Spectre.Console.ValidationResult.Error("--registration-timeout and --join-timeout must be positive numbers of seconds");
        }
        return base.Validate();
    }
}
