using System.Globalization;
using System.Text.Json;

namespace DistNN.Integration.Tests;

/// <summary>
/// `distnn node` as real processes on loopback: a coordinator (the seed), parameter-server and worker nodes joined
/// with Akka.Cluster, training MNIST and leaving when the run is over.
/// </summary>
public sealed class ClusterModeSpec : IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);

    private readonly NodeGroup _group = new("distnn-cluster-");

    [Fact]
    public void One_coordinator_two_servers_and_two_workers_train_the_mlp_to_95_percent_the_coordinator_reading_no_training_image_and_every_node_exits_0()
    {
        string mnist = Mnist.RequireDir();
        string summaryPath = Path.Combine(_group.Dir, "summary.json");
        // The coordinator deals batches from the files' headers and evaluates on the test set: it reads no training image.
        string seed = StartCoordinator("--servers", "2", "--workers", "2", "--epochs", "1", "--train-limit", "30000", "--lr", "0.002",
            "--data-dir", Mnist.WithUnreadableTrainingImages(mnist, _group.Dir), "--summary-json", summaryPath, "--dashboard", "0");
        _group.Start("ps-1", "--role", "ps", "--seed", seed, "--threads", "1");
        _group.Start("ps-2", "--role", "ps", "--seed", seed, "--threads", "1");
        _group.Start("worker-1", "--role", "worker", "--seed", seed, "--data-dir", mnist, "--threads", "1");
        _group.Start("worker-2", "--role", "worker", "--seed", seed, "--data-dir", mnist, "--threads", "1");

        // The coordinator's dashboard sees every node of the cluster, and the tensor bytes on the wire.
        using var status = DashboardStatusWhen(s => s.GetProperty("members").EnumerateArray()
            .Count(m => m.GetProperty("health").GetString() == "up" && m.GetProperty("address").GetString()!.StartsWith("akka.tcp://", StringComparison.Ordinal)) >= 5
            && s.GetProperty("wire").GetProperty("bytes_pushed").GetInt64() > 0);
        var exits = WaitForAll();

        using var summary = AssertRunCompleted(exits, summaryPath, samples: 30_000, minAccuracy: 0.95, batches: 469);
        Assert.Equal(2, summary.RootElement.GetProperty("workers").GetInt32());
        var members = status.RootElement.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(2, members.Count(m => m.GetProperty("role").GetString() == "ps" && m.GetProperty("name").GetString() is not null));
        Assert.Equal(2, members.Count(m => m.GetProperty("role").GetString() == "worker" && m.GetProperty("name").GetString() is not null));
        Assert.Equal("cluster", status.RootElement.GetProperty("run").GetProperty("engine").GetString());
    }

    /// <summary>The coordinator's /api/status (it was started with --dashboard 0) once <paramref name="ready"/> holds.</summary>
    private JsonDocument DashboardStatusWhen(Func<JsonElement, bool> ready)
    {
        var coordinator = _group.All[0];
        Assert.True(coordinator.WaitForLine("dashboard: http://127.0.0.1:", s_start), _group.Diagnostics());
        string line = coordinator.Output.Split('\n').First(l => l.StartsWith("dashboard: ", StringComparison.Ordinal));
        var url = new Uri(new Uri(line.Split(' ')[1]), "api/status");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow + s_run;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = http.GetStringAsync(url).GetAwaiter().GetResult();
                var status = JsonDocument.Parse(last);
                if (ready(status.RootElement))
                {
                    return status;
                }
                status.Dispose();
            }
            catch (HttpRequestException e)
            {
                Assert.Fail($"the dashboard stopped answering before the cluster showed up in it ({e.Message}); last status: {last}\n{_group.Diagnostics()}");
            }
            catch (TaskCanceledException)
            {
                // A slow answer on a loaded machine: ask again until the deadline.
            }
            Thread.Sleep(300);
        }
        throw new TimeoutException($"the dashboard never showed the cluster: {last}\n{_group.Diagnostics()}");
    }

    [Fact]
    public void With_the_akka_remote_carrier_tensors_travel_in_pieces_and_the_mlp_still_learns()
    {
        string mnist = Mnist.RequireDir();
        string summaryPath = Path.Combine(_group.Dir, "summary-remote.json");
        string seed = StartCoordinator("--servers", "1", "--workers", "1", "--epochs", "1", "--train-limit", "6400", "--carrier", "remote",
            "--data-dir", mnist, "--summary-json", summaryPath);
        _group.Start("ps", "--role", "ps", "--seed", seed, "--threads", "1");
        _group.Start("worker", "--role", "worker", "--seed", seed, "--data-dir", mnist, "--threads", "1");

        var exits = WaitForAll();

        // 100 pushes and 100 replies crossed Akka.Remote (in 64 KiB pieces).
        AssertRunCompleted(exits, summaryPath, samples: 6_400, minAccuracy: 0.85, batches: 100).Dispose();
    }

    [Theory]
    [InlineData("coordinator,ps")]
    [InlineData("coordinator,worker")]
    public void A_coordinator_node_that_also_runs_the_ps_or_a_worker_trains_with_the_other_nodes_and_every_sample_is_applied_once(string role)
    {
        string mnist = Mnist.RequireDir();
        string summaryPath = Path.Combine(_group.Dir, "summary-coordinator-ps.json");
        // --role coordinator,ps: one process fewer; its server registers as a ps node's would, on its own data plane, and
        // the workers are 2 nodes. --role coordinator,worker: its worker registers as a worker node's would, reading its
        // shards from --data-dir, beside one worker node; the server is a ps node.
        bool works = role == "coordinator,worker";
        var coordinator = _group.Start("coordinator", CoordinatorArgsAs(role, out string seed, "--servers", "1", "--workers", "2",
            "--epochs", "1", "--train-limit", "12800", "--data-dir", mnist, "--summary-json", summaryPath, "--name", "worker-1"));
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        if (works)
        {
            _group.Start("ps", "--role", "ps", "--seed", seed, "--threads", "1");
        }
        else
        {
            _group.Start("worker-1", "--role", "worker", "--seed", seed, "--data-dir", mnist, "--threads", "1");
        }
        _group.Start("worker-2", "--role", "worker", "--seed", seed, "--data-dir", mnist, "--threads", "1");

        var exits = WaitForAll();

        using var summary = AssertRunCompleted(exits, summaryPath, samples: 12_800, minAccuracy: 0.85, batches: 200);
        var root = summary.RootElement;
        Assert.Equal(2, root.GetProperty("workers").GetInt32());
        Assert.True(root.TryGetProperty("samples_applied", out var applied), $"the summary lacks samples_applied: {root}");
        Assert.Equal(12_800, applied.GetInt64());
        Assert.Contains($"distnn node ({role}): registered {(works ? "worker" : "ps")} with the coordinator", coordinator.Output);
        Assert.DoesNotContain("terminated before it ended the run", coordinator.Output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_worker_node_that_also_runs_the_ps_trains_with_a_worker_node_and_only_the_other_workers_pushes_cross_a_wire(bool onTheCoordinator)
    {
        string mnist = Mnist.RequireDir();
        string summaryPath = Path.Combine(_group.Dir, "summary-worker-ps.json");
        string[] run = ["--workers", "2", "--epochs", "1", "--train-limit", "12800", "--data-dir", mnist, "--summary-json", summaryPath];
        NodeProcess colocated;
        string seed;
        if (onTheCoordinator)
        {
            // --role coordinator,worker,ps and worker,ps: 2 processes, each a worker beside one of the 2 servers; each worker
            // reaches its own node's server in memory and the other's over the data plane.
            colocated = _group.Start("coordinator", CoordinatorArgsAs("coordinator,worker,ps", out seed, ["--servers", "2", "--name", "worker-1", .. run]));
            Assert.True(colocated.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
            _group.Start("worker-2", "--role", "worker,ps", "--seed", seed, "--name", "worker-2", "--data-dir", mnist, "--threads", "1");
        }
        else
        {
            seed = StartCoordinator(["--servers", "1", .. run]);
            // --role worker,ps: the colocated layout; worker-1 reaches the server in memory, worker-2 over the data plane.
            colocated = _group.Start("worker-1", "--role", "worker,ps", "--seed", seed, "--name", "worker-1", "--data-dir", mnist, "--threads", "1");
            _group.Start("worker-2", "--role", "worker", "--seed", seed, "--name", "worker-2", "--data-dir", mnist, "--threads", "1");
        }

        var exits = WaitForAll();

        using var summary = AssertRunCompleted(exits, summaryPath, samples: 12_800, minAccuracy: 0.85, batches: 0);
        var root = summary.RootElement;
        Assert.Equal(12_800, root.GetProperty("samples_applied").GetInt64());
        Assert.Contains($"distnn node ({(onTheCoordinator ? "coordinator,worker,ps" : "worker,ps")}): registered ps and worker with the coordinator", colocated.Output);
        // Of the 200 pushes (the mlp's 235,146 floats each), only what went to another node's server crossed the data plane:
        // with one server, worker-2's pushes; with a server on each worker's node, each worker's push of the other node's
        // shard (the two shards make one model). About one push in two either way, none of what went in memory.
        long pushed = root.GetProperty("bytes_pushed").GetInt64();
        Assert.True(pushed >= 20 * 235_146 * 4 && pushed < 180 * 235_146 * 4, $"bytes pushed {pushed:N0}: {root}");
        Assert.DoesNotContain("terminated before it ended the run", colocated.Output);
    }

    /// <summary>
    /// Every node exited 0, the summary counts every sample once, the accuracy reached <paramref name="minAccuracy"/>, and
    /// each of the <paramref name="batches"/> pushes and replies of the mlp's 235,146 floats (4 bytes each) crossed a wire.
    /// </summary>
    private JsonDocument AssertRunCompleted(List<int?> exits, string summaryPath, long samples, double minAccuracy, long batches)
    {
        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        // A clean end is told in the nodes' own lines: no Akka.Remote warnings about peers that have left.
        Assert.All(_group.All, n => Assert.DoesNotContain("Disassociated", n.Output));
        Assert.All(_group.All, n => Assert.DoesNotContain("Tried to associate with unreachable remote address", n.Output));
        var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var root = summary.RootElement;
        double accuracy = root.GetProperty("test_accuracy").GetDouble();
        Assert.True(accuracy >= minAccuracy, $"test accuracy {accuracy:P2} after {samples:N0} samples\n{_group.Diagnostics()}");
        Assert.Equal(samples, root.GetProperty("samples_processed").GetInt64());
        Assert.True(root.GetProperty("bytes_pushed").GetInt64() >= batches * 235_146 * 4, root.ToString());
        Assert.True(root.GetProperty("bytes_pulled").GetInt64() >= batches * 235_146 * 4, root.ToString());
        return summary;
    }

    [Fact]
    public void A_worker_that_joins_during_training_is_given_work_from_the_next_epoch()
    {
        string mnist = Mnist.RequireDir();
        string metricsPath = Path.Combine(_group.Dir, "metrics.jsonl");
        string summaryPath = Path.Combine(_group.Dir, "summary.json");
        // Short epochs, many of them: the late node has most of the run to start, join and load its data (it can take
        // 5–7 s on a loaded 2-core machine; 50 epochs of 1,000 mlp samples were sometimes over by then).
        const int epochs = 100;
        const int samples = 1000;
        // --elastic: without it the plan's one worker is a limit and the late one would be refused.
        var coordinator = _group.Start("coordinator", CoordinatorArgs(out string seed, "--servers", "1", "--workers", "1", "--elastic", "--epochs", $"{epochs}",
            "--train-limit", $"{samples}", "--data-dir", mnist, "--metrics", metricsPath, "--summary-json", summaryPath));
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        _group.Start("ps", "--role", "ps", "--seed", seed, "--threads", "1");
        _group.Start("early", "--role", "worker", "--seed", seed, "--name", "early", "--data-dir", mnist, "--threads", "1");
        // The first progress line: epoch 1 has been dealt out (to the early worker alone).
        Assert.True(coordinator.WaitForLine($"epoch 1/{epochs}", s_run), _group.Diagnostics());

        _group.Start("late", "--role", "worker", "--seed", seed, "--name", "late", "--data-dir", mnist, "--threads", "1");
        var exits = WaitForAll();

        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        var workersByEpoch = Epochs(metricsPath).Select(e => e.Trained).ToList();
        string table = string.Join("; ", workersByEpoch.Select((w, i) => $"epoch {i + 1}: {string.Join(",", w)}"));
        Assert.Equal(epochs, workersByEpoch.Count);
        Assert.Equal(["early"], workersByEpoch[0]);
        int joined = workersByEpoch.FindIndex(w => w.Contains("late"));
        Assert.True(joined > 0, $"the late worker never trained: {table}\n{_group.Diagnostics()}");
        Assert.All(workersByEpoch.Skip(joined), w => Assert.Equal(["early", "late"], w));
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        Assert.Equal(epochs * (long)samples, summary.RootElement.GetProperty("samples_processed").GetInt64());
        Assert.Equal(2, summary.RootElement.GetProperty("workers").GetInt32());
    }

    [Theory]
    [InlineData("sync")]
    [InlineData("async")]
    public void A_worker_killed_and_replaced_under_the_same_name_has_every_batch_applied(string mode)
    {
        string mnist = Mnist.RequireDir();
        string metricsPath = Path.Combine(_group.Dir, "metrics.jsonl");
        string summaryPath = Path.Combine(_group.Dir, "summary.json");
        // Short epochs, many of them: the replacement has most of the run to start, join (once the killed node is
        // downed) and train; the killed one has made steps enough by epoch 3 for a stale last step to hide new pushes.
        // In sync mode the survivor's round waits until the dead worker is downed (about 5 s), within the server
        // request deadline; in async mode it goes on at once.
        const int epochs = 30;
        const int samples = 2000;
        var coordinator = _group.Start("coordinator", CoordinatorArgs(out string seed, "--servers", "1", "--workers", "2", "--mode", mode,
            "--epochs", $"{epochs}", "--train-limit", $"{samples}", "--data-dir", mnist, "--metrics", metricsPath, "--summary-json", summaryPath));
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        _group.Start("ps", "--role", "ps", "--seed", seed, "--threads", "1");
        var w1 = _group.Start("w1", "--role", "worker", "--seed", seed, "--name", "w1", "--data-dir", mnist, "--threads", "1");
        _group.Start("w2", "--role", "worker", "--seed", seed, "--name", "w2", "--data-dir", mnist, "--threads", "1");
        Assert.True(coordinator.WaitForLine($"epoch 3/{epochs}", s_run), _group.Diagnostics());

        w1.Signal("KILL");
        _group.Start("w1-again", "--role", "worker", "--seed", seed, "--name", "w1", "--data-dir", mnist, "--threads", "1");
        var exits = WaitForAll();

        Assert.True(exits.Where((_, i) => _group.All[i] != w1).All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        var perEpoch = Epochs(metricsPath);
        string table = string.Join("\n", perEpoch.Select((e, i) => $"epoch {i + 1}: test loss {e.TestLoss:R} by {string.Join(",", e.Trained)}"));
        Assert.Equal(epochs, perEpoch.Count);
        Assert.True(perEpoch[^1].Trained.SequenceEqual(["w1", "w2"]), $"the replacement w1 never trained:\n{table}\n{_group.Diagnostics()}");
        for (int e = 1; e < epochs; e++)
        {
            Assert.True(perEpoch[e].TestLoss != perEpoch[e - 1].TestLoss, $"epoch {e + 1} left the test loss unchanged:\n{table}");
        }
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var root = summary.RootElement;
        Assert.Equal(epochs * (long)samples, root.GetProperty("samples_expected").GetInt64());
        Assert.Equal(epochs * (long)samples, root.GetProperty("samples_processed").GetInt64());
        Assert.True(root.TryGetProperty("samples_applied", out var applied), $"the summary lacks samples_applied: {root}");
        Assert.Equal(epochs * (long)samples, applied.GetInt64());
    }

    /// <summary>Each epoch's line of the metrics file: its test loss and the workers that trained in it, by name.</summary>
    private static List<(double TestLoss, string[] Trained)> Epochs(string metricsPath) => File.ReadAllLines(metricsPath).Select(line =>
    {
        using var epoch = JsonDocument.Parse(line);
        var root = epoch.RootElement;
        var trained = root.GetProperty("workers").EnumerateArray()
            .Where(w => w.GetProperty("samples").GetInt64() > 0)
            .Select(w => w.GetProperty("worker").GetString()!).Order().ToArray();
        return (root.GetProperty("test_loss").GetDouble(), trained);
    }).ToList();

    [Fact]
    public void A_node_whose_seed_cannot_be_reached_says_so_and_exits_non_zero()
    {
        string seed = $"akka.tcp://distnn@127.0.0.1:{NodeProcess.FreePort()}";
        var worker = _group.Start("worker", "--role", "worker", "--seed", seed, "--join-timeout", "4");

        int? exit = worker.WaitForExit(s_start);

        Assert.True(exit is not null && exit != 0, $"exit code {exit}\n{_group.Diagnostics()}");
        Assert.Contains("could not join the cluster", worker.Output);
        Assert.Contains(seed, worker.Output);
        Assert.Contains("retrying", worker.Output);
        Assert.DoesNotContain("Tried to associate with unreachable remote address", worker.Output);
        Assert.DoesNotContain("Couldn't join seed nodes", worker.Output);
    }

    [Fact]
    public void A_node_with_cpus_runs_every_thread_on_those_cpus_and_one_it_may_not_use_is_refused()
    {
        string seed = $"akka.tcp://distnn@127.0.0.1:{NodeProcess.FreePort()}";
        // The first CPU this process may use (a container's cpuset need not start at 0).
        string cpu = DistNN.Training.Cluster.CpuAffinity.Allowed()[0].ToString(CultureInfo.InvariantCulture);
        var pinned = _group.Start("pinned", "--role", "worker", "--seed", seed, "--join-timeout", "6", "--cpus", cpu);
        Assert.True(pinned.WaitForLine("cannot reach", s_start), _group.Diagnostics());

        // Every thread, the runtime's started before the option was read included.
        var allowed = Directory.EnumerateDirectories($"/proc/{pinned.Id}/task")
            .Select(task => File.ReadAllLines(Path.Combine(task, "status")).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)))
            .Select(line => line.Split(':')[1].Trim()).ToList();
        Assert.True(allowed.Count > 5 && allowed.All(a => a == cpu), string.Join(", ", allowed));
        if (Environment.ProcessorCount > 1)
        {
            Assert.Contains($"distnn node: --cpus {cpu}: the runtime sized itself for {Environment.ProcessorCount} CPUs at start; DOTNET_PROCESSOR_COUNT=1", pinned.Output);
        }

        var refused = _group.Start("refused", "--role", "worker", "--seed", seed, "--cpus", "1023");
        int? exit = refused.WaitForExit(s_start);
        Assert.True(exit is not null && exit != 0, $"exit code {exit}\n{_group.Diagnostics()}");
        Assert.Contains("distnn: error: --cpus 1023: CPU(s) 1023 are not among the CPUs this process may run on", refused.Output);
    }

    [Fact]
    public void A_coordinator_whose_port_is_taken_says_which_address_and_exits_non_zero()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var coordinator = _group.Start("coordinator", "--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture),
            "--servers", "1", "--workers", "1", "--epochs", "1", "--data-dir", Mnist.RequireDir(), "--no-progress");

        int? exit = coordinator.WaitForExit(s_start);

        Assert.True(exit is not null && exit != 0, $"exit code {exit}\n{_group.Diagnostics()}");
        Assert.Contains($"distnn: error: cannot listen on 127.0.0.1:{port} for Akka.Remote", coordinator.Output);
    }

    /// <summary>Starts the coordinator on a free port, waits until it has formed the cluster, and returns its seed address.</summary>
    private string StartCoordinator(params string[] args)
    {
        var coordinator = _group.Start("coordinator", CoordinatorArgs(out string seed, args));
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        return seed;
    }

    private static string[] CoordinatorArgs(out string seed, params string[] args) => CoordinatorArgsAs("coordinator", out seed, args);

    private static string[] CoordinatorArgsAs(string role, out string seed, params string[] args)
    {
        int port = NodeProcess.FreePort();
        seed = $"akka.tcp://distnn@127.0.0.1:{port}";
        return ["--role", role, "--port", port.ToString(CultureInfo.InvariantCulture), "--seed", seed, "--threads", "1",
            "--registration-timeout", "120", "--no-progress", .. args];
    }

    /// <summary>Exit codes of every node in start order (null: still running after the run's time limit).</summary>
    private List<int?> WaitForAll()
    {
        return NodeGroup.WaitForExits(_group.All, s_run);
    }

    public void Dispose() => _group.Dispose();
}
