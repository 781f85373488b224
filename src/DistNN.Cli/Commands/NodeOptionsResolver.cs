using System.Globalization;
using Akka.Configuration;
using DistNN.Training.Cluster;

namespace DistNN.Cli.Commands;

/// <summary>
/// Merges a node's settings: command line, then DISTNN_* environment variables (the container style), then the HOCON
/// file's distnn.node section, then the defaults documented in cluster-configs/node.hocon.
/// </summary>
internal static class NodeOptionsResolver
{
    public const string DefaultConfigPath = "cluster-configs/node.hocon";

    public const int CoordinatorDefaultPort = 4053;

    public static ClusterNodeOptions Resolve(NodeSettings s, Func<string, string?> env, string workingDirectory)
    {
        Config file = LoadFile(s.Config, workingDirectory);
        string? Env(string name) => env(name) is { Length: > 0 } value ? value : null;
        string? File(string key) => file.HasPath("distnn.node." + key) && file.GetString("distnn.node." + key) is { Length: > 0 } v ? v : null;

        string roleText = s.Role ?? Env("DISTNN_ROLE") ?? File("role")
            ?? throw new OptionException("--role is required: coordinator, ps or worker (or set DISTNN_ROLE)");
        NodeRole role;
        try
        {
            role = NodeRoles.Parse(roleText);
        }
        catch (ArgumentException e)
        {
            throw new OptionException(e.Message);
        }
        string host = s.Host ?? Env("DISTNN_HOST") ?? File("host") ?? "127.0.0.1";
        string publicHost = s.PublicHost ?? Env("DISTNN_PUBLIC_HOST") ?? File("public-host") ?? "";
        int port = s.Port ?? Int("DISTNN_PORT", Env("DISTNN_PORT")) ?? Int("distnn.node.port", File("port")) ?? -1;
        if (port < 0)
        {
            port = role == NodeRole.Coordinator ? CoordinatorDefaultPort : 0;
        }
        var seeds = (s.Seeds ?? Env("DISTNN_SEEDS"))?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
            ?? (file.HasPath("distnn.node.seeds") ? file.GetStringList("distnn.node.seeds").Where(x => x.Length > 0).ToList() : []);
        string announced = string.IsNullOrEmpty(publicHost) ? host : publicHost;
        if (seeds.Count == 0)
        {
            if (role != NodeRole.Coordinator)
            {
                throw new OptionException("--seed is required on ps and worker nodes: the coordinator's address, e.g. "
                    + $"akka.tcp://{ClusterNodeOptions.SystemName}@127.0.0.1:{CoordinatorDefaultPort} (or set DISTNN_SEEDS)");
            }
            seeds.Add($"akka.tcp://{ClusterNodeOptions.SystemName}@{announced}:{port}");
        }
        foreach (var seed in seeds)
        {
            if (!seed.StartsWith($"akka.tcp://{ClusterNodeOptions.SystemName}@", StringComparison.Ordinal) || !Akka.Actor.Address.TryParse(seed, out _))
            {
                throw new OptionException($"--seed: '{seed}' is not a seed address akka.tcp://{ClusterNodeOptions.SystemName}@HOST:PORT");
            }
        }
        long frame = s.MaxFrameSize ?? Long("DISTNN_MAX_FRAME_SIZE", Env("DISTNN_MAX_FRAME_SIZE"))
            ?? (file.HasPath("akka.remote.dot-netty.tcp.maximum-frame-size") ? file.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") : null)
            ?? ClusterNodeOptions.DefaultMaxFrameSize;
        return new ClusterNodeOptions
        {
            Role = role,
            Host = host,
            PublicHost = publicHost,
            Port = port,
            Seeds = seeds,
            DataPort = s.DataPort ?? Int("DISTNN_DATA_PORT", Env("DISTNN_DATA_PORT")) ?? Int("distnn.node.data-port", File("data-port")) ?? 0,
            DataDir = s.DataDir ?? Env("DISTNN_DATA_DIR") ?? File("data-dir") ?? "data/mnist",
            Name = s.Name ?? Env("DISTNN_NAME") ?? File("name") ?? "",
            Threads = s.Threads ?? Int("DISTNN_THREADS", Env("DISTNN_THREADS")) ?? Int("distnn.node.threads", File("threads")) ?? 0,
            JoinTimeout = s.JoinTimeout is { } join ? TimeSpan.FromSeconds(join) : file.GetTimeSpan("distnn.node.join-timeout", TimeSpan.FromSeconds(120), false),
            LeaveTimeout = file.GetTimeSpan("distnn.node.leave-timeout", TimeSpan.FromSeconds(30), false),
            MaxFrameSize = frame,
            Hocon = file,
        };
    }

    /// <summary>
    /// --config, else cluster-configs/node.hocon in the working directory, else beside the program; each over the
    /// built-in defaults, which are that same file as it was built into the program.
    /// </summary>
    public static Config LoadFile(string? path, string workingDirectory) => Find(path, workingDirectory).WithFallback(BuiltIn());

    private static Config BuiltIn()
    {
        using var stream = typeof(NodeOptionsResolver).Assembly.GetManifestResourceStream("node.hocon")
            ?? throw new InvalidOperationException("the built-in node.hocon is missing from the program");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    private static Config Find(string? path, string workingDirectory)
    {
        if (path is not null)
        {
            string full = Path.GetFullPath(path, workingDirectory);
            if (!System.IO.File.Exists(full))
            {
                throw new FileNotFoundException($"--config: no such file: {full}");
            }
            return Parse(full);
        }
        foreach (var candidate in new[] { Path.Combine(workingDirectory, DefaultConfigPath), Path.Combine(AppContext.BaseDirectory, DefaultConfigPath) })
        {
            if (System.IO.File.Exists(candidate))
            {
                return Parse(candidate);
            }
        }
        return Config.Empty;
    }

    private static Config Parse(string path)
    {
        try
        {
            return ConfigurationFactory.ParseString(System.IO.File.ReadAllText(path));
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new OptionException($"--config: {path} is not valid HOCON: {e.Message}");
        }
    }

    private static int? Int(string source, string? text) => text is null ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
        : throw new OptionException($"{source}: '{text}' is not a whole number");

    private static long? Long(string source, string? text) => text is null ? null
        : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value
        : throw new OptionException($"{source}: '{text}' is not a whole number of bytes");
}
