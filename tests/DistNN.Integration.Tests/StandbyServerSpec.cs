using System.Globalization;
using System.Text.Json;

namespace DistNN.Integration.Tests;

/// <summary>
/// A parameter server SIGKILLed while a cluster trains, with a standby present (`--standby-servers 1`): the standby takes
/// its chunks, every server goes back to the latest checkpoint and the run ends as if nothing had happened — in sync mode
/// with the very weights (SHA-256 of the saved safetensors) of a run never hurt, which one process reproduces.
/// </summary>
public sealed class StandbyServerSpec : IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);

    /// <summary>From a server's SIGKILL to the servers replaced, when its refusing data plane says it is gone (1.0-1.5 s measured).</summary>
    private static readonly TimeSpan s_goneServerReplaced = TimeSpan.FromSeconds(5);

    /// <summary>2 epochs of 3000 samples: 47 batches, 24 sync rounds of two workers each; a checkpoint every 5 steps.</summary>
    private static readonly string[] s_plan =
        ["--model", "mlp", "--epochs", "2", "--train-limit", "3000", "--workers", "2", "--servers", "2", "--mode", "sync"];

    private readonly NodeGroup _group = new("distnn-standby-");

    /// <summary>The weights of <see cref="s_plan"/> trained in one process: what every hurt cluster run must end with.</summary>
    private static readonly Lazy<string> s_clean = new(() => NodeGroup.CleanRunSha(Mnist.RequireDir(), s_plan, s_run));

    /// <summary>
    /// Server 1 is SIGKILLed while both workers are inside a batch (each held 400 ms, as a slower model's would be): their
    /// pushes to it find its data plane refusing connections, so its process is gone, and the coordinator downs its node
    /// and has the standby take its chunks at once. Waiting for the failure detector instead (this group's
    /// acceptable-heartbeat-pause 5 s, then the split-brain resolver's stable-after 3 s) never had the servers replaced
    /// sooner than 5 s after the kill (about 8-12 s here). A kill while nothing connects to the killed node's data plane is
    /// found by the coordinator's probe of its remoting endpoint instead (the next test).
    /// </summary>
    [Fact]
    public void A_server_SIGKILLed_mid_run_is_replaced_by_the_standby_and_the_run_ends_with_the_clean_runs_weights()
    {
        string mnist = Mnist.RequireDir();
        string checkpoints = Path.Combine(_group.Dir, "ck");
        var (coordinator, servers) = StartCluster(mnist, s_plan, checkpoints, psOneEnvironment: new Dictionary<string, string>(),
            workerEnvironment: new Dictionary<string, string> { ["DISTNN_TEST_SLOW_BATCH_MS"] = "400" });
        string cleanSha = s_clean.Value;
        Assert.True(NodeGroup.WaitForFile(Path.Combine(checkpoints, "step-0000000010", "manifest.json"), s_run), $"no checkpoint of step 10\n{_group.Diagnostics()}");
        // Each worker inside a held batch begun after now: the kill comes before their next pushes.
        var workers = _group.All.Where(n => n.Label is "w0" or "w1").Select(w => (Node: w, Since: w.LineCount)).ToList();
        foreach (var (w, since) in workers)
        {
            Assert.True(w.WaitForLine("test hook: holding a batch", s_run, since), $"{w.Label} began no held batch\n{_group.Diagnostics()}");
        }

        var killed = System.Diagnostics.Stopwatch.StartNew();
        servers[1].Signal("KILL");

        Assert.True(coordinator.WaitForLine("servers replaced in", s_run), _group.Diagnostics());
        var replaced = killed.Elapsed;
        AssertRecoveredAsClean(coordinator, servers[1], cleanSha);
        Assert.True(replaced < s_goneServerReplaced,
            $"the servers were replaced {replaced.TotalSeconds:F1} s after SIGKILL, not within {s_goneServerReplaced.TotalSeconds} s\n{_group.Diagnostics()}");
        // Whichever proof comes first: a worker's refused data-plane connection, or the coordinator's probe of the node's
        // remoting endpoint once its Akka.Remote association closed (the next test has only the latter).
        Assert.Matches("is the node of parameter server 1, whose (data plane|Akka remoting endpoint) at .* refused a connection: its process is gone: downing it", coordinator.Output);
        Assert.Matches("parameter server 1 \\(.*\\) is gone \\(its (data plane|Akka remoting endpoint) at ", coordinator.Output);
        Assert.Contains("a standby takes its chunks and every server goes back to checkpoint", coordinator.Output);
    }

    /// <summary>
    /// Server 1 is SIGKILLed while nobody talks to it: both workers are held inside a batch (DISTNN_TEST_HOLD_FILE), so no
    /// push or pull reaches its data plane. The coordinator's node loses its Akka.Remote association with the killed node,
    /// finds its remoting endpoint refusing connections (its process is gone), downs it and has the standby take its chunks
    /// within a few seconds; the holds are then released and the run ends with the clean run's weights. Without that probe
    /// (distnn.failures.gone-probe-timeout = 0) the loss waited for the failure detector (this group's heartbeat pause 5 s,
    /// then the split-brain resolver's 3 s): never sooner than 5 s after the kill.
    /// </summary>
    [Fact]
    public void A_server_SIGKILLed_while_no_worker_talks_to_it_is_found_gone_and_replaced_and_the_run_ends_with_the_clean_runs_weights()
    {
        string mnist = Mnist.RequireDir();
        string checkpoints = Path.Combine(_group.Dir, "ck");
        string holdFile = Path.Combine(_group.Dir, "hold");
        var (coordinator, servers) = StartCluster(mnist, s_plan, checkpoints, psOneEnvironment: new Dictionary<string, string>(),
            workerEnvironment: new Dictionary<string, string> { ["DISTNN_TEST_SLOW_BATCH_MS"] = "400", ["DISTNN_TEST_HOLD_FILE"] = holdFile });
        string cleanSha = s_clean.Value;
        Assert.True(NodeGroup.WaitForFile(Path.Combine(checkpoints, "step-0000000005", "manifest.json"), s_run), $"no checkpoint of step 5\n{_group.Diagnostics()}");
        BatchHold.HoldEvery([.. _group.All.Where(n => n.Label is "w0" or "w1")], holdFile, s_run, _group.Diagnostics);

        var killed = System.Diagnostics.Stopwatch.StartNew();
        servers[1].Signal("KILL");

        bool noticed = coordinator.WaitForLine("a standby takes its chunks and every server goes back to", s_goneServerReplaced);
        var elapsed = killed.Elapsed;
        File.WriteAllText(holdFile + ".release", "");
        File.Delete(holdFile);
        Assert.True(noticed, $"the lost server was not being replaced {elapsed.TotalSeconds:F1} s after SIGKILL, within {s_goneServerReplaced.TotalSeconds} s\n{_group.Diagnostics()}");
        Assert.Matches("is the node of parameter server 1, whose Akka remoting endpoint at .* refused a connection: its process is gone: downing it", coordinator.Output);
        Assert.Contains("is gone (its Akka remoting endpoint at ", coordinator.Output);
        AssertRecoveredAsClean(coordinator, servers[1], cleanSha);
    }

    /// <summary>
    /// Server 1 never finishes a checkpoint (its writer stopped before the first file of step 5 is in place, so no manifest
    /// is ever complete) and is SIGKILLed: every server goes back to the plan's initial state, every batch of the run is
    /// dealt again, and the run ends with the clean run's weights, every sample applied once.
    /// </summary>
    [Fact]
    public void A_server_SIGKILLed_before_the_first_checkpoint_is_replaced_from_the_initial_state_and_the_run_ends_with_the_clean_runs_weights()
    {
        string mnist = Mnist.RequireDir();
        string checkpoints = Path.Combine(_group.Dir, "ck");
        var (coordinator, servers) = StartCluster(mnist, s_plan, checkpoints,
            psOneEnvironment: new Dictionary<string, string> { ["DISTNN_TEST_CHECKPOINT_PAUSE"] = "before-rename:step-0000000005" });
        Assert.True(servers[1].WaitForLine("test hook: checkpoint writer paused", s_run), _group.Diagnostics());

        servers[1].Signal("KILL");
        string cleanSha = s_clean.Value;

        AssertRecoveredAsClean(coordinator, servers[1], cleanSha);
        Assert.Contains("every server goes back to the plan's initial state", coordinator.Output);
        Assert.DoesNotContain("goes back to checkpoint", coordinator.Output);
    }

    /// <summary>
    /// The same with a folder per ps node and checkpoints at epoch ends only: server 1's writer stops before its files of
    /// epoch 1 are in place, so epoch 1 ends (its line printed) without a checkpoint; server 1 is then SIGKILLed. Every
    /// server goes back to the plan's initial state (no file read), the run ends with the clean run's weights, and the
    /// coordinator says it rolled back in one line instead of printing epoch 1's line again.
    /// </summary>
    [Fact]
    public void With_a_folder_per_ps_node_a_server_lost_before_the_first_checkpoint_is_replaced_from_the_initial_state_and_no_epoch_line_repeats()
    {
        string mnist = Mnist.RequireDir();
        string checkpoints = Path.Combine(_group.Dir, "ck");
        var (coordinator, servers) = StartCluster(mnist, s_plan, checkpoints,
            psOneEnvironment: new Dictionary<string, string> { ["DISTNN_TEST_CHECKPOINT_PAUSE"] = "before-rename:epoch-0001" }, ownFolders: true, checkpointEvery: "0");
        Assert.True(coordinator.WaitForLine("epoch 1/2:", s_run), _group.Diagnostics());

        servers[1].Signal("KILL");
        string cleanSha = s_clean.Value;

        AssertRecoveredAsClean(coordinator, servers[1], cleanSha);
        Assert.Contains("every server goes back to the plan's initial state", coordinator.Output);
        Assert.Contains("rolled back to the run's start (no checkpoint yet) after parameter server 1 (", coordinator.Output);
        Assert.Contains("the lines of epoch 1 are not printed again", coordinator.Output);
        var lines = coordinator.Output.Split('\n');
        Assert.Single(lines, l => l.StartsWith("epoch 1/2:", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("epoch 2/2:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("6000/6000 samples applied, after 1 rollback:", StringComparison.Ordinal) && l.EndsWith(" 0 doubled", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(checkpoints, "server-*.safetensors", SearchOption.AllDirectories));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_group.Dir, "own-standby"), "server-1.safetensors", SearchOption.AllDirectories));
    }

    /// <summary>
    /// With a folder per ps node, a lost server's files are on its own disk: the standby (whose folder holds none of them)
    /// does not take its chunks; its node started again on its folder does, and the run ends with the clean run's weights.
    /// </summary>
    [Fact]
    public void With_a_folder_per_ps_node_a_lost_server_is_replaced_by_its_node_started_again_on_its_folder_not_by_a_standby_without_its_files()
    {
        string mnist = Mnist.RequireDir();
        string checkpoints = Path.Combine(_group.Dir, "ck");
        var (coordinator, servers) = StartCluster(mnist, s_plan, checkpoints, psOneEnvironment: new Dictionary<string, string>(), ownFolders: true);
        Assert.True(NodeGroup.WaitForFile(Path.Combine(checkpoints, "step-0000000010", "manifest.json"), s_run), _group.Diagnostics());

        servers[1].Signal("KILL");
        Assert.True(coordinator.WaitForLine("no standby parameter server's own folder holds server 1's files", s_run), _group.Diagnostics());
        _group.Start("ps-1-again", "--role", "ps", "--seed", Seed, "--threads", "1", "--checkpoint-dir", Path.Combine(_group.Dir, "own-ps-1"));

        AssertRecoveredAsClean(coordinator, servers[1], s_clean.Value);
        Assert.Contains("a standby takes its chunks and every server goes back to checkpoint", coordinator.Output);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_group.Dir, "own-ps-1", "epoch-0002"), "server-1.safetensors"));
        string standbyFolder = Path.Combine(_group.Dir, "own-standby");
        Assert.False(Directory.Exists(standbyFolder) && Directory.GetFiles(standbyFolder, "server-*.safetensors", SearchOption.AllDirectories).Length > 0,
            "the standby without the lost server's files took its chunks");
    }

    /// <summary>
    /// A coordinator, servers ps-0 and ps-1 (in that order, so they are servers 0 and 1; ps-1 with
    /// <paramref name="psOneEnvironment"/>), a standby and two workers, training <paramref name="plan"/> with a checkpoint
    /// every <paramref name="checkpointEvery"/> steps into <paramref name="checkpoints"/> (<paramref name="ownFolders"/>: each
    /// ps node's files into a folder of its own, own-NAME; the workers with <paramref name="workerEnvironment"/>), saving the weights and the summary into the group's folder.
    /// </summary>
    private (NodeProcess Coordinator, List<NodeProcess> Servers) StartCluster(string mnist, string[] plan, string checkpoints,
        IReadOnlyDictionary<string, string> psOneEnvironment, bool ownFolders = false, string checkpointEvery = "5",
        IReadOnlyDictionary<string, string>? workerEnvironment = null)
    {
        int port = NodeProcess.FreePort();
        string seed = Seed = $"akka.tcp://distnn@127.0.0.1:{port}";
        var coordinator = _group.Start("coordinator", ["--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture), "--seed", seed,
            "--threads", "1", "--registration-timeout", "120", "--no-progress", .. plan, "--data-dir", mnist, "--checkpoint-dir", checkpoints,
            "--checkpoint-every", checkpointEvery, "--keep-checkpoints", "50", "--standby-servers", "1", "--save", SavedPath, "--summary-json", SummaryPath]);
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        // Servers register in the order they start: ps-0 and ps-1 hold the chunks, the third is the standby.
        var servers = new[] { "ps-0", "ps-1", "standby" }.Select(name =>
        {
            string[] own = ownFolders ? ["--checkpoint-dir", Path.Combine(_group.Dir, $"own-{name}")] : [];
            var ps = _group.Start(name, name == "ps-1" ? psOneEnvironment : new Dictionary<string, string>(), ["--role", "ps", "--seed", seed, "--threads", "1", .. own]);
            Assert.True(ps.WaitForLine("registered ps with the coordinator", s_start), _group.Diagnostics());
            return ps;
        }).ToList();
        foreach (string w in new[] { "w0", "w1" })
        {
            _group.Start(w, workerEnvironment ?? new Dictionary<string, string>(), "--role", "worker", "--seed", seed, "--name", w, "--data-dir", mnist, "--threads", "1");
        }
        return (coordinator, servers);
    }

    /// <summary>The seed address of the cluster <see cref="StartCluster"/> started.</summary>
    private string Seed { get; set; } = "";

    private string SavedPath => Path.Combine(_group.Dir, "model.safetensors");

    private string SummaryPath => Path.Combine(_group.Dir, "summary.json");

    /// <summary>
    /// Every node but <paramref name="killed"/> exits 0 after the servers were replaced, the cluster saved the clean run's
    /// weights, and its summary counts every one of the 6000 samples applied once.
    /// </summary>
    private void AssertRecoveredAsClean(NodeProcess coordinator, NodeProcess killed, string cleanSha)
    {
        const long expected = 6000;
        var exits = NodeGroup.WaitForExits(_group.All.Where(n => n != killed), s_run);
        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        Assert.Contains("servers replaced in", coordinator.Output);
        Assert.Equal(cleanSha, NodeGroup.Sha(SavedPath));
        using var summary = JsonDocument.Parse(File.ReadAllText(SummaryPath));
        Assert.Equal(expected, summary.RootElement.GetProperty("samples_expected").GetInt64());
        Assert.Equal(expected, summary.RootElement.GetProperty("samples_applied").GetInt64());
        Assert.Equal(expected, summary.RootElement.GetProperty("samples_processed").GetInt64());
        Assert.Equal(0, summary.RootElement.GetProperty("samples_doubled").GetInt64());
    }

    public void Dispose() => _group.Dispose();
}
