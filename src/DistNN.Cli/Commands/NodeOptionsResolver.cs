using System.Globalization;
using Akka.Configuration;
using DistNN.Training.Cluster;
using DistNN.Training.Configuration;
using DistNN.Transport.Security;

namespace DistNN.Cli.Commands;

/// <summary>
/// Merges a node's settings: command line, then DISTNN_* environment variables (the container style), then the user's
/// HOCON file, then reference.conf (which holds every default). The first two become one configuration layer through
/// Microsoft.Extensions.Configuration; the typed settings classes read the merged result.
/// </summary>
internal static class NodeOptionsResolver
{
    public const string DefaultConfigPath = "cluster-configs/node.hocon";

    private const string FrameSizePath = "akka.remote.dot-netty.tcp.maximum-frame-size";

    private const string SeedsVariable = "DISTNN_SEEDS";
    private const string ConfigVariable = "DISTNN_CONFIG";
    private static readonly string VerboseStdoutLogger =
        $"{typeof(DistNN.Training.Hosting.VerboseOneLineStdoutLogger).FullName}, {typeof(DistNN.Training.Hosting.VerboseOneLineStdoutLogger).Assembly.GetName().Name}";

    /// <summary>The longest --coordinator-grace: an hour.</summary>
    public const int MaxCoordinatorGraceSeconds = 3600;

    private enum Kind
    {
        Text,
        Whole,
        Bytes,
        /// <summary>A number of seconds (0 to <see cref="MaxCoordinatorGraceSeconds"/>), passed on as milliseconds.</summary>
        Seconds,
    }

    /// <summary>Each overridable key, its environment variable and its option (seeds, a list, are handled apart).</summary>
    private static readonly (string Path, string? Env, Kind Kind, Func<NodeSettings, string?> Option)[] s_keys =
    [
        (NodeConfig.Section + ".role", "DISTNN_ROLE", Kind.Text, s => s.Role),
        (NodeConfig.Section + ".host", "DISTNN_HOST", Kind.Text, s => s.Host),
        (NodeConfig.Section + ".public-host", "DISTNN_PUBLIC_HOST", Kind.Text, s => s.PublicHost),
        (NodeConfig.Section + ".port", "DISTNN_PORT", Kind.Whole, s => Text(s.Port)),
        (NodeConfig.Section + ".name", "DISTNN_NAME", Kind.Text, s => s.Name),
        (NodeConfig.Section + ".threads", "DISTNN_THREADS", Kind.Whole, s => Text(s.Threads)),
        (NodeConfig.Section + ".cpus", "DISTNN_CPUS", Kind.Text, s => s.Cpus),
        (NodeConfig.Section + ".join-timeout", null, Kind.Text, s => s.JoinTimeout is { } t ? Milliseconds(t) : null),
        (NodeConfig.Section + ".coordinator-grace", "DISTNN_COORDINATOR_GRACE", Kind.Seconds, s => s.CoordinatorGrace is { } g ? Milliseconds(g) : null),
        (FailureSettings.Section + ".worker-grace", null, Kind.Text, s => s.WorkerGrace is { } g ? Milliseconds(g) : null),
        (DataPlaneSettings.Section + ".port", "DISTNN_DATA_PORT", Kind.Whole, s => Text(s.DataPort)),
        (DataPlaneSettings.Section + ".local-socket", "DISTNN_LOCAL_SOCKET", Kind.Text, s => s.LocalSocket),
        (DistNNSettings.Section + ".data-dir", "DISTNN_DATA_DIR", Kind.Text, s => s.DataDir),
        (FrameSizePath, "DISTNN_MAX_FRAME_SIZE", Kind.Bytes, s => Text(s.MaxFrameSize)),
        (LogSettings.Section + ".stack-traces", null, Kind.Text, s => s.Verbose ? "on" : null),
        // What is logged while the loggers are not running (a node's start and shutdown) is verbose alike.
        ("akka.stdout-logger-class", null, Kind.Text, s => s.Verbose ? VerboseStdoutLogger : null),
        (TlsSettings.Section + ".cert", "DISTNN_TLS_CERT", Kind.Text, s => s.TlsCert),
        (TlsSettings.Section + ".key", "DISTNN_TLS_KEY", Kind.Text, s => s.TlsKey),
        (TlsSettings.Section + ".pfx", "DISTNN_TLS_PFX", Kind.Text, s => s.TlsPfx),
        (TlsSettings.Section + ".ca", "DISTNN_TLS_CA", Kind.Text, s => s.TlsCa),
        (BootstrapSettings.Section + ".discovery", "DISTNN_DISCOVERY", Kind.Text, s => s.Discovery),
        (BootstrapSettings.Section + ".service-name", "DISTNN_SERVICE_NAME", Kind.Text, s => s.ServiceName),
        (BootstrapSettings.Section + ".required-contact-points", "DISTNN_REQUIRED_CONTACT_POINTS", Kind.Whole, s => Text(s.ContactPoints)),
    ];

    /// <summary>Every DISTNN_* variable a node reads (`distnn node --help` lists them).</summary>
    public static IEnumerable<string> EnvironmentVariables =>
        s_keys.Select(k => k.Env).OfType<string>().Append(SeedsVariable).Append(ConfigVariable);

    public static ClusterNodeOptions Resolve(NodeSettings s, Func<string, string?> env, string workingDirectory)
    {
        Config merged = Merge(s, env, workingDirectory);
        var node = NodeConfig.From(merged);
        var dataPlane = DataPlaneSettings.From(merged);
        if (node.Role.Length == 0)
        {
            throw new OptionException("--role is required: coordinator, ps or worker (or set DISTNN_ROLE)");
        }
        NodeRole role;
        bool withWorker, withPs;
        try
        {
            (role, withWorker, withPs) = NodeRoles.ParseList(node.Role);
        }
        catch (ArgumentException e)
        {
            throw new OptionException(e.Message);
        }
        int port = node.Port >= 0 ? node.Port : role == NodeRole.Coordinator ? node.CoordinatorPort : 0;
        string announced = string.IsNullOrEmpty(node.PublicHost) ? node.Host : node.PublicHost;
        var tls = Tls(TlsSettings.From(merged), workingDirectory);
        // Akka.Remote names its TLS transport akka.ssl.tcp: with TLS on, a seed written akka.tcp:// means that.
        const string plain = "akka.tcp://", secure = "akka.ssl.tcp://";
        string scheme = tls is null ? plain : secure;
        var seeds = node.Seeds.Where(x => x.Length > 0)
            .Select(x => tls is not null && x.StartsWith(plain, StringComparison.Ordinal) ? secure + x[plain.Length..] : x).ToList();
        var bootstrap = Bootstrap(BootstrapSettings.From(merged), seeds);
        if (seeds.Count == 0 && bootstrap is null)
        {
            if (role != NodeRole.Coordinator)
            {
                throw new OptionException("--seed is required on ps and worker nodes: the coordinator's address, e.g. "
                    + $"akka.tcp://{ClusterNodeOptions.SystemName}@127.0.0.1:{node.CoordinatorPort} (or set DISTNN_SEEDS), unless --discovery forms the cluster");
            }
            seeds.Add($"{scheme}{ClusterNodeOptions.SystemName}@{announced}:{port}");
        }
        foreach (var seed in seeds)
        {
            if (tls is null && seed.StartsWith(secure, StringComparison.Ordinal))
            {
                throw new OptionException($"--seed: '{seed}' is a TLS address, but this node has no TLS options (--tls-cert/--tls-key or --tls-pfx, and --tls-ca)");
            }
            if (!seed.StartsWith($"{scheme}{ClusterNodeOptions.SystemName}@", StringComparison.Ordinal) || !Akka.Actor.Address.TryParse(seed, out _))
            {
                throw new OptionException($"--seed: '{seed}' is not a seed address {scheme}{ClusterNodeOptions.SystemName}@HOST:PORT");
            }
        }
        return new ClusterNodeOptions
        {
            Role = role,
            WithPs = withPs,
            WithWorker = withWorker,
            Host = node.Host,
            PublicHost = node.PublicHost,
            Port = port,
            Seeds = seeds,
            Bootstrap = bootstrap,
            DataPort = dataPlane.Port,
            DataDir = DistNNSettings.From(merged).DataDir,
            Name = node.Name,
            Threads = node.Threads,
            Cpus = Cpus(node.Cpus),
            JoinTimeout = node.JoinTimeout,
            LeaveTimeout = node.LeaveTimeout,
            CoordinatorGrace = node.CoordinatorGrace >= TimeSpan.Zero && node.CoordinatorGrace <= TimeSpan.FromSeconds(MaxCoordinatorGraceSeconds)
                ? node.CoordinatorGrace
                : throw new OptionException($"distnn.node.coordinator-grace must be 0 to {MaxCoordinatorGraceSeconds} s (got {node.CoordinatorGrace.TotalSeconds} s)"),
            MaxFrameSize = ConfigRead.Bytes(merged, FrameSizePath),
            Tls = tls,
            CheckpointDir = (role == NodeRole.Ps || (withPs && role == NodeRole.Worker)) && s.CheckpointDir is { Length: > 0 } own ? Path.GetFullPath(own, workingDirectory) : null,
            Hocon = merged,
        };
    }

    /// <summary>--cpus as a list of CPUs, null when not set; a malformed list is refused naming the option.</summary>
    private static IReadOnlyList<int>? Cpus(string text)
    {
        if (text.Length == 0)
        {
            return null;
        }
        try
        {
            return CpuAffinity.Parse(text);
        }
        catch (FormatException e)
        {
            throw new OptionException($"--cpus (distnn.node.cpus, DISTNN_CPUS): {e.Message}");
        }
    }

    /// <summary>The checked bootstrap settings when a discovery method is set (then no seed may be), else null.</summary>
    private static BootstrapSettings? Bootstrap(BootstrapSettings bootstrap, IReadOnlyList<string> seeds)
    {
        if (!bootstrap.UsesDiscovery())
        {
            return null;
        }
        if (bootstrap.Discovery is not (BootstrapSettings.Kubernetes or BootstrapSettings.ConfigList))
        {
            throw new OptionException($"--discovery must be {BootstrapSettings.Kubernetes} or {BootstrapSettings.ConfigList} (got '{bootstrap.Discovery}')");
        }
        if (seeds.Count > 0)
        {
            throw new OptionException($"--discovery {bootstrap.Discovery} forms the cluster without seed nodes: drop --seed / DISTNN_SEEDS ({string.Join(", ", seeds)})");
        }
        if (bootstrap.RequiredContactPoints < 1 || bootstrap.ServiceName.Length == 0)
        {
            throw new OptionException("distnn.bootstrap: required-contact-points must be at least 1 and service-name not empty "
                + $"(got {bootstrap.RequiredContactPoints}, '{bootstrap.ServiceName}')");
        }
        return bootstrap;
    }

    /// <summary>The node's TLS files checked and loaded, or null when none is given; a missing file is named by its option.</summary>
    private static NodeTls? Tls(TlsSettings tls, string workingDirectory)
    {
        if (!tls.AnySet())
        {
            return null;
        }
        if (tls.Ca.Length == 0)
        {
            throw new OptionException("--tls-ca is required with TLS: the cluster's CA certificate (PEM) that peers' certificates must chain to");
        }
        bool pem = tls.Cert.Length > 0 || tls.Key.Length > 0;
        if (pem == (tls.Pfx.Length > 0) || pem && (tls.Cert.Length == 0 || tls.Key.Length == 0))
        {
            throw new OptionException("TLS needs this node's certificate: --tls-cert and --tls-key (PEM), or --tls-pfx (PKCS#12), not both");
        }
        string? File(string option, string path)
        {
            if (path.Length == 0)
            {
                return null;
            }
            string full = Path.GetFullPath(path, workingDirectory);
            return System.IO.File.Exists(full) ? full : throw new FileNotFoundException($"{option}: no such file: {full}");
        }
        string? cert = File("--tls-cert", tls.Cert), key = File("--tls-key", tls.Key), pfx = File("--tls-pfx", tls.Pfx);
        string ca = File("--tls-ca", tls.Ca)!;
        try
        {
            return NodeTls.Load(cert, key, pfx, ca);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new OptionException($"TLS: cannot read {pfx ?? $"{cert}, {key}"} or {ca} as certificates and key: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new OptionException($"TLS: {e.Message}");
        }
    }

    /// <summary>Command line over environment over the user's file over reference.conf.</summary>
    public static Config Merge(NodeSettings s, Func<string, string?> env, string workingDirectory)
    {
        string? Env(string? name) => name is not null && env(name) is { Length: > 0 } value ? value : null;
        var values = new List<(string Path, string? Value)>();
        foreach (var (path, name, kind, _) in s_keys)
        {
            values.Add((path, name is null ? null : Checked(name, kind, Env(name))));
        }
        // The command line's values are typed already; they go over the environment's.
        values.AddRange(s_keys.Select(k => (k.Path, k.Option(s))));
        // A list replaces the lower layer's whole list: only the winning source's seeds are given.
        string? seeds = s.Seeds ?? Env(SeedsVariable);
        if (seeds is not null)
        {
            var list = seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            values.AddRange(list.Select((seed, i) => ($"{NodeConfig.Section}.seeds.{i}", (string?)seed)));
        }
        return DistNNReference.Values([.. values]).WithFallback(s.Config is null && Env(ConfigVariable) is { } file
            ? UserFile(file, ConfigVariable, workingDirectory)
            : UserFile(s.Config, "--config", workingDirectory)).WithFallback(DistNNReference.Config);
    }

    /// <summary>--config (or DISTNN_CONFIG), else cluster-configs/node.hocon in the working directory, else beside the program, else nothing.</summary>
    private static Config UserFile(string? path, string source, string workingDirectory)
    {
        if (path is not null)
        {
            string full = Path.GetFullPath(path, workingDirectory);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"{source}: no such file: {full}");
            }
            return Parse(full, source);
        }
        foreach (var candidate in new[] { Path.Combine(workingDirectory, DefaultConfigPath), Path.Combine(AppContext.BaseDirectory, DefaultConfigPath) })
        {
            if (File.Exists(candidate))
            {
                return Parse(candidate, "--config");
            }
        }
        return Config.Empty;
    }

    private static Config Parse(string path, string source)
    {
        Config config;
        try
        {
            config = ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new OptionException($"{source}: {path} is not valid HOCON: {e.Message}");
        }
        foreach (var key in ConfigRead.LeafPaths(config).Where(k => k.StartsWith(DistNNSettings.Section + ".", StringComparison.Ordinal)))
        {
            if (!DistNNReference.Config.HasPath(key))
            {
                throw new OptionException($"{source}: {path} sets {key}, which is not a DistNN setting (reference.conf lists them all)");
            }
        }
        return config;
    }

    private static string? Text(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    /// <summary>Seconds as a HOCON duration (a bare number there would mean milliseconds).</summary>
    private static string Milliseconds(double seconds) => Text((long)Math.Round(seconds * 1000)) + "ms";

    private static string? Checked(string source, Kind kind, string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (kind == Kind.Seconds)
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds is >= 0 and <= MaxCoordinatorGraceSeconds
                ? Milliseconds(seconds)
                : throw new OptionException($"{source}: '{text}' is not a number of seconds from 0 to {MaxCoordinatorGraceSeconds}");
        }
        return kind switch
        {
            Kind.Whole => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            Kind.Bytes => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            _ => true,
        }
            ? text
            : throw new OptionException($"{source}: '{text}' is not a whole number{(kind == Kind.Bytes ? " of bytes" : "")}");
    }
}
