using System.Globalization;
using System.Text.Json;

namespace DistNN.Integration.Tests;

/// <summary>
/// Exactly once across a crash, with real `distnn node` processes on loopback: a worker SIGKILLed and started again
/// under the same name is a new incarnation, and every batch it trains is applied, as the servers count.
/// </summary>
public sealed class ExactlyOnceSpec : IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);

    private readonly List<NodeProcess> _nodes = [];
    private readonly HashSet<NodeProcess> _killed = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("distnn-exactly-once-").FullName;

    [Fact]
    public void A_worker_killed_and_replaced_under_the_same_name_has_every_batch_applied()
    {
        string mnist = Mnist.RequireDir();
        string summaryPath = Path.Combine(_dir, "summary.json");
        string metricsPath = Path.Combine(_dir, "metrics.jsonl");
        // Short epochs, many of them: the replacement has most of the run to start, join (once the killed node is
        // downed) and train; the killed one has made steps enough by epoch 3 for a stale last step to hide new pushes.
        // Async, so that the survivor's pushes do not wait on the dead worker's until it is downed.
        const int epochs = 30;
        const int samples = 2000;
        int port = NodeProcess.FreePort();
        string seed = $"akka.tcp://distnn@127.0.0.1:{port}";
        var coordinator = Node("coordinator", "--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture), "--seed", seed,
            "--threads", "1", "--registration-timeout", "120", "--no-progress", "--servers", "1", "--workers", "2", "--mode", "async", "--epochs", $"{epochs}",
            "--train-limit", $"{samples}", "--data-dir", mnist, "--metrics", metricsPath, "--summary-json", summaryPath);
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), Diagnostics());
        Node("ps", "--role", "ps", "--seed", seed, "--threads", "1");
        var w1 = Node("w1", "--role", "worker", "--seed", seed, "--name", "w1", "--data-dir", mnist, "--threads", "1");
        Node("w2", "--role", "worker", "--seed", seed, "--name", "w2", "--data-dir", mnist, "--threads", "1");
        Assert.True(coordinator.WaitForLine($"epoch 3/{epochs}", s_run), Diagnostics());

        w1.Kill();
        _killed.Add(w1);
        Node("w1-again", "--role", "worker", "--seed", seed, "--name", "w1", "--data-dir", mnist, "--threads", "1");
        var exits = WaitForAll();

        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{Diagnostics()}");
        var perEpoch = File.ReadAllLines(metricsPath).Select(line =>
        {
            using var epoch = JsonDocument.Parse(line);
            var root = epoch.RootElement;
            var trained = root.GetProperty("workers").EnumerateArray()
                .Where(w => w.GetProperty("samples").GetInt64() > 0).Select(w => w.GetProperty("worker").GetString()!).Order().ToArray();
            return (TestLoss: root.GetProperty("test_loss").GetDouble(), Trained: trained);
        }).ToList();
        string table = string.Join("\n", perEpoch.Select((e, i) => $"epoch {i + 1}: test loss {e.TestLoss:R} by {string.Join(",", e.Trained)}"));
        Assert.Equal(epochs, perEpoch.Count);
        Assert.True(perEpoch[^1].Trained.SequenceEqual(["w1", "w2"]), $"the replacement w1 never trained:\n{table}\n{Diagnostics()}");
        for (int e = 1; e < epochs; e++)
        {
            Assert.True(perEpoch[e].TestLoss != perEpoch[e - 1].TestLoss, $"epoch {e + 1} left the test loss unchanged:\n{table}");
        }
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var s = summary.RootElement;
        Assert.Equal(epochs * (long)samples, s.GetProperty("samples_expected").GetInt64());
        Assert.Equal(epochs * (long)samples, s.GetProperty("samples_processed").GetInt64());
        Assert.True(s.TryGetProperty("samples_applied", out var applied), $"the summary lacks samples_applied: {s}");
        Assert.Equal(epochs * (long)samples, applied.GetInt64());
    }

    private NodeProcess Node(string label, params string[] args)
    {
        var node = NodeProcess.Start(label, _dir, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Exit codes of every node not killed, in start order (null: still running after the run's time limit).</summary>
    private List<int?> WaitForAll()
    {
        var deadline = DateTime.UtcNow + s_run;
        return _nodes.Where(n => !_killed.Contains(n))
            .Select(n => n.WaitForExit(deadline - DateTime.UtcNow > TimeSpan.FromSeconds(1) ? deadline - DateTime.UtcNow : TimeSpan.FromSeconds(1)))
            .ToList();
    }

    private string Diagnostics() => string.Join("\n", _nodes.Select(n => n.Describe()));

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a node still holding a file: the temporary folder stays
        }
    }
}
