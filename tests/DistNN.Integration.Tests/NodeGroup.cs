namespace DistNN.Integration.Tests;

/// <summary>
/// The real `distnn node` processes one spec starts: their temporary folder, their output for a failure's message, and
/// their end (each resumed if it was stopped, then killed; the folder removed).
/// </summary>
internal sealed class NodeGroup(string prefix) : IDisposable
{
    private readonly List<NodeProcess> _nodes = [];

    /// <summary>The specs' failure detection: a 5 s heartbeat pause and 3 s of stable membership before downing.</summary>
    public const string PatientFailureDetection =
        "akka.cluster.failure-detector.acceptable-heartbeat-pause = 5s\nakka.cluster.split-brain-resolver.stable-after = 3s\n";

    public string Dir { get; } = WithTestConfig(Directory.CreateTempSubdirectory(prefix).FullName);

    /// <summary>Every node started, in start order.</summary>
    public IReadOnlyList<NodeProcess> All => _nodes;

    public NodeProcess Start(string label, params string[] args) => Start(label, new Dictionary<string, string>(), args);

    /// <summary>A node with <paramref name="environment"/> set besides the group's.</summary>
    public NodeProcess Start(string label, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var node = NodeProcess.Start(label, Dir, environment, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>The exit code of each of <paramref name="nodes"/> (null: still running), all waited for within one <paramref name="limit"/>.</summary>
    public static List<int?> WaitForExits(IEnumerable<NodeProcess> nodes, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        return nodes.Select(n => n.WaitForExit(TimeSpan.FromTicks(Math.Max((deadline - DateTime.UtcNow).Ticks, TimeSpan.TicksPerSecond)))).ToList();
    }

    /// <summary>
    /// The nodes' working folder, with the cluster-configs/node.hocon a node there reads unless given --config: failure
    /// detection patient enough for a CI machine whose 2 cores run two test projects' nodes at once. The production default
    /// (a 1.5 s heartbeat pause, 1 s stable) split such clusters mid-spec; how fast a loss is noticed with the defaults is
    /// measured by scripts/failure-timing.sh, not here.
    /// </summary>
    private static string WithTestConfig(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "cluster-configs"));
        File.WriteAllText(Path.Combine(dir, "cluster-configs", "node.hocon"), PatientFailureDetection);
        return dir;
    }

    /// <summary>Each plan's clean weights, trained once for every spec of the test run that asks.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string>> s_clean = new();

    /// <summary>
    /// The SHA-256 of the weights <paramref name="plan"/> saves in one `distnn train` process (2 threads: 1 per worker, as
    /// the nodes) — the weights a sync cluster run of the plan ends with, hurt or not. Trained once per plan and test run.
    /// </summary>
    public static string CleanRunSha(string mnist, string[] plan, TimeSpan limit) =>
        s_clean.GetOrAdd(string.Join(" ", plan) + " @ " + mnist, _ => new Lazy<string>(() =>
        {
            using var group = new NodeGroup("distnn-clean-");
            return group.TrainOnce(mnist, plan, limit);
        })).Value;

    private string TrainOnce(string mnist, string[] plan, TimeSpan limit)
    {
        string saved = Path.Combine(Dir, "clean.safetensors");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "distnn.dll"), "train" }.Concat(plan)
            .Concat(["--threads", "2", "--data-dir", mnist, "--no-progress", "--save", saved]))
        {
            start.ArgumentList.Add(a);
        }
        using var train = System.Diagnostics.Process.Start(start)!;
        var stderr = train.StandardError.ReadToEndAsync();
        string output = train.StandardOutput.ReadToEnd() + stderr.Result;
        Xunit.Assert.True(train.WaitForExit(limit) && train.ExitCode == 0, $"the clean run failed:\n{output}");
        return Sha(saved);
    }

    public static string Sha(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Polls for <paramref name="path"/> (a manifest the coordinator writes); false when it is not there within <paramref name="timeout"/>.</summary>
    public static bool WaitForFile(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(path))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            Thread.Sleep(20);
        }
        return true;
    }

    public string Diagnostics() => string.Join("\n", _nodes.Select(n => n.Describe()));

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            try
            {
                node.Signal("CONT"); // a node a spec stopped would otherwise outlive it
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            node.Dispose();
        }
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // a node still holding a file: the temporary folder stays
        }
    }
}
