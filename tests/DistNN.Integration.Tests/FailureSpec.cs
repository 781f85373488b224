using System.Globalization;

namespace DistNN.Integration.Tests;

/// <summary>
/// Real `distnn node` processes on loopback, hurt on purpose while they train (sync mode, endless epochs of 640 samples):
/// a stopped server, signals to each role, a killed or paused worker. Bounds are generous (a loaded machine);
/// scripts/failure-timing.sh measures the times.
/// </summary>
public sealed class FailureSpec : IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_notice = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_signal = TimeSpan.FromSeconds(15);
    // Every node left of a run failed by a killed node whose death is known (its data plane refuses connections): less
    // than the failure detector alone takes here (5 s, NodeGroup.PatientFailureDetection) plus a leave.
    private static readonly TimeSpan s_goneNodeExits = TimeSpan.FromSeconds(6);
    // A killed worker's node found gone by the coordinator's probe of its remoting endpoint (about 0.1-0.5 s measured); the
    // failure detector alone needs 5 s here.
    private static readonly TimeSpan s_goneWorkerNoticed = TimeSpan.FromSeconds(3);
    // The issue's own bound (5 s from SIGTERM to every node exited) holds on a quiet machine only:
    // DISTNN_SIGNAL_BOUND_SECONDS=5 asserts it for every node; CI keeps the loaded-machine bounds above.
    private static readonly TimeSpan? s_strictSignal =
        double.TryParse(Environment.GetEnvironmentVariable("DISTNN_SIGNAL_BOUND_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out double seconds)
            ? TimeSpan.FromSeconds(seconds) : null;

    private readonly NodeGroup _group = new("distnn-failure-");
    private string _seed = "";

    [Fact]
    public void A_stopped_only_server_fails_the_run_every_other_node_exits_1_and_the_server_exits_1_when_resumed()
    {
        var (coordinator, nodes) = Train(workers: 1);
        var ps = nodes["ps"];

        ps.Signal("STOP");
        var started = DateTime.UtcNow;
        int? coordinatorExit = coordinator.WaitForExit(s_notice);
        int? workerExit = nodes["w0"].WaitForExit(s_notice - (DateTime.UtcNow - started));
        var everyOtherExited = DateTime.UtcNow - started;
        ps.Signal("CONT");
        int? serverExit = ps.WaitForExit(s_notice);

        Assert.True(everyOtherExited < s_notice, $"still running {everyOtherExited.TotalSeconds:F1} s after SIGSTOP\n{_group.Diagnostics()}");
        Assert.True(coordinatorExit == 1 && workerExit == 1 && serverExit == 1,
            $"exit codes coordinator {coordinatorExit}, worker {workerExit}, server {serverExit}\n{_group.Diagnostics()}");
        Assert.Contains("distnn: error: parameter server 0", coordinator.Output);
        Assert.Contains("this node was removed from the cluster", ps.Output);
    }

    [Theory]
    [InlineData(Layout.Separate)]
    [InlineData(Layout.WorkerPs)]
    [InlineData(Layout.CoordinatorWorkerPs)]
    public void A_killed_node_of_the_only_server_fails_the_run_and_every_other_node_exits_1(Layout layout)
    {
        // WorkerPs: the server lives in w0's process (--role worker,ps), so killing it loses the server and a worker at once.
        // CoordinatorWorkerPs: 2 processes, the coordinator with w0 and server 0, w1 with server 1 (the only one holding its
        // shard); killing w1 leaves the coordinator's node alone, which must end the run by itself.
        var (coordinator, nodes) = Train(workers: 2, layout: layout);
        string victim = layout switch { Layout.Separate => "ps", Layout.WorkerPs => "w0", _ => "w1" };

        nodes[victim].Signal("KILL");
        var killed = DateTime.UtcNow;
        int? coordinatorExit = coordinator.WaitForExit(s_notice);
        var others = nodes.Where(n => n.Key != victim).ToDictionary(n => n.Key, n => n.Value.WaitForExit(Remaining(killed)));
        var everyOtherExited = DateTime.UtcNow - killed;

        Assert.True(everyOtherExited < s_notice, $"still running {everyOtherExited.TotalSeconds:F1} s after SIGKILL\n{_group.Diagnostics()}");
        Assert.True(coordinatorExit == 1 && others.Values.All(e => e == 1),
            $"exit codes coordinator {coordinatorExit}, {string.Join(", ", others)}\n{_group.Diagnostics()}");
        // The first to notice names what it lost, in one line: the coordinator the server's node, or a worker its
        // connection to the server's data plane, refused.
        Assert.Matches("distnn: error: (parameter server [01]|worker w[01]: the tensor data-plane connection to .* could not be opened again)", coordinator.Output);
        Assert.Single(coordinator.Output.Split('\n'), l => l.Contains("distnn: error: ", StringComparison.Ordinal));
        if (layout != Layout.Separate)
        {
            Assert.Contains("registered ps and worker with the coordinator", nodes[victim].Output);
        }
    }

    [Theory]
    [InlineData("ps", Layout.Separate)]
    [InlineData("w0", Layout.Separate)]
    [InlineData("coordinator", Layout.Separate)]
    [InlineData("w0", Layout.WorkerPs)]
    [InlineData("coordinator", Layout.CoordinatorWorkerPs)]
    public void Sigterm_to_a_node_ends_the_run_as_interrupted_and_every_node_exits_130(string victim, Layout layout)
    {
        // WorkerPs: w0 runs the server too (--role worker,ps), w1 a worker alone. CoordinatorWorkerPs: the coordinator runs
        // w0 and server 0 (--role coordinator,worker,ps), w1 server 1 (worker,ps).
        var (coordinator, nodes) = Train(workers: layout == Layout.Separate ? 1 : 2, layout: layout);
        nodes["coordinator"] = coordinator;

        var signalled = System.Diagnostics.Stopwatch.StartNew();
        nodes[victim].Signal("TERM");

        int? victimExit = nodes[victim].WaitForExit(s_strictSignal ?? s_signal);
        var exits = nodes.ToDictionary(n => n.Key, n => n.Value.WaitForExit(s_notice));
        if (s_strictSignal is { } strict)
        {
            Assert.True(signalled.Elapsed <= strict, $"every node exited {signalled.Elapsed.TotalSeconds:F1} s after SIGTERM to {victim}, more than {strict.TotalSeconds} s");
        }
        Assert.True(victimExit == 130, $"{victim} exit code {victimExit} ({s_signal.TotalSeconds} s after SIGTERM)\n{_group.Diagnostics()}");
        Assert.True(exits.Values.All(e => e == 130), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        Assert.Contains("distnn: interrupted", coordinator.Output);
    }

    [Fact]
    public void Sigterm_to_the_coordinator_stops_each_worker_mid_batch_and_no_push_reaches_the_server_after_the_stop()
    {
        // Each batch of a worker takes about 400 ms (DISTNN_TEST_SLOW_BATCH_MS, a wait that ends as the run is stopped);
        // once the hold file exists, a batch waits until the run is stopped: the signal finds both workers in the middle
        // of a batch however long it takes to reach them (a 400 ms hold alone lost that race once under CI's load: a
        // worker pushed its batch after the server had heard of the stop).
        string holdFile = Path.Combine(_group.Dir, "hold");
        var environment = new Dictionary<string, string>(s_slowBatches) { ["DISTNN_TEST_HOLD_FILE"] = holdFile };
        var (coordinator, nodes) = Train(workers: 2, workerEnvironment: environment);
        nodes["coordinator"] = coordinator;
        try
        {
            HoldUntilStopped(nodes, holdFile, "w0", "w1");
        }
        finally
        {
            File.Delete(holdFile);
        }

        var signalled = System.Diagnostics.Stopwatch.StartNew();
        coordinator.Signal("TERM");

        var exits = NodeGroup.WaitForExits(nodes.Values, s_signal);
        Assert.True(exits.All(e => e == 130), $"exit codes {string.Join(", ", nodes.Keys.Zip(exits))} {signalled.Elapsed.TotalSeconds:F1} s after SIGTERM\n{_group.Diagnostics()}");
        foreach (string w in new[] { "w0", "w1" })
        {
            // Told to stop in the middle of its batch's computation, the worker dropped it; a worker that finished it
            // would have pushed it, and the server, stopped, would have refused it, saying so.
            Assert.Matches($"worker {w}: the run is stopping \\(the coordinator's node was stopped by a signal\\): batch [0-9]+ of epoch [0-9]+ abandoned [0-9]+ ms "
                + "into its computation, nothing of it pushed", nodes[w].Output);
        }
        Assert.Contains("parameter server 0: the run is stopping (the coordinator's node was stopped by a signal): it takes no push begun after this", nodes["ps"].Output);
        Assert.DoesNotContain("it was begun after the run was stopped", nodes["ps"].Output);
    }

    [Fact]
    public void A_killed_server_fails_the_run_the_workers_and_the_other_server_hear_why_and_stop_and_every_node_left_exits_1()
    {
        // Two servers and no standby: losing one ends the run. Batches held about 400 ms as in the stop test above, so
        // that the failure finds the workers computing or pushing, not idle.
        var (coordinator, nodes) = Train(workers: 2, servers: 2, workerEnvironment: s_slowBatches);
        AwaitHeldBatches(nodes, "w0", "w1");

        var killed = System.Diagnostics.Stopwatch.StartNew();
        nodes["ps1"].Signal("KILL");

        var left = new[] { coordinator, nodes["ps"], nodes["w0"], nodes["w1"] };
        var exits = NodeGroup.WaitForExits(left, s_notice);
        var everyOtherExited = killed.Elapsed;
        Assert.True(exits.All(e => e == 1), $"exit codes coordinator, ps, w0, w1: {string.Join(", ", exits)} {everyOtherExited.TotalSeconds:F1} s after SIGKILL\n{_group.Diagnostics()}");
        // The killed node's data plane refuses the workers' connections at once: its process is gone, and the coordinator
        // downs it before telling the others to leave. Without that their leave waits for the failure detector to find it
        // unreachable, which with this group's detector (acceptable-heartbeat-pause 5 s) is never sooner than 5 s after
        // the kill, and then for the leave itself: every node took 7.7-8.4 s so. With it, 2.3-2.5 s at load average 11-15.
        Assert.True(everyOtherExited < s_goneNodeExits, $"every node left exited {everyOtherExited.TotalSeconds:F1} s after SIGKILL, not within {s_goneNodeExits.TotalSeconds} s\n{_group.Diagnostics()}");
        // Whichever proof comes first: a worker's refused data-plane connection, or the coordinator's probe of the node's
        // remoting endpoint once its Akka.Remote association closed (row 13 of docs/failures.md).
        Assert.Matches("is the node of parameter server [01], whose (data plane|Akka remoting endpoint) at .* refused a connection: its process is gone: downing it", coordinator.Output);
        // The failure's one line, and the same line as the reason every worker and the server left were told to stop.
        string error = Assert.Single(coordinator.Output.Split('\n'), l => l.Contains("distnn: error: ", StringComparison.Ordinal));
        string failure = error[(error.IndexOf("distnn: error: ", StringComparison.Ordinal) + "distnn: error: ".Length)..].TrimEnd();
        string stopping = $"the run is stopping (training failed: {failure})";
        foreach (string w in new[] { "w0", "w1" })
        {
            Assert.Contains($"worker {w}: {stopping}: ", nodes[w].Output);
        }
        // The node "ps" is server 0 or 1, as the two registered.
        Assert.Matches($"parameter server [01]: {System.Text.RegularExpressions.Regex.Escape(stopping)}: it takes no push begun after this", nodes["ps"].Output);
    }

    [Fact]
    public void A_killed_worker_ps_node_nobody_talks_to_fails_the_run_without_a_standby_and_every_other_node_exits_1_within_seconds()
    {
        // w0 runs the only server (--role worker,ps); w1 is held inside a batch (DISTNN_TEST_HOLD_FILE) and w0 waits for its
        // push (sync), so no push or pull reaches that server's data plane when w0's node is killed: only the coordinator's
        // probe of the node's remoting endpoint (refused: its process is gone) finds the loss before the failure detector.
        // (w0 is not held: its one compute thread is its server's too.)
        string holdFile = Path.Combine(_group.Dir, "hold");
        var environment = new Dictionary<string, string>(s_slowBatches) { ["DISTNN_TEST_HOLD_FILE"] = holdFile };
        var (coordinator, nodes) = Train(workers: 2, layout: Layout.WorkerPs, workerEnvironment: environment, environmentOf: "w1");
        HoldUntilStopped(nodes, holdFile, "w1");

        var killed = System.Diagnostics.Stopwatch.StartNew();
        nodes["w0"].Signal("KILL");

        var exits = NodeGroup.WaitForExits([coordinator, nodes["w1"]], s_notice);
        var everyOtherExited = killed.Elapsed;
        Assert.True(exits.All(e => e == 1), $"exit codes coordinator, w1: {string.Join(", ", exits)} {everyOtherExited.TotalSeconds:F1} s after SIGKILL\n{_group.Diagnostics()}");
        Assert.True(everyOtherExited < s_goneNodeExits, $"every node left exited {everyOtherExited.TotalSeconds:F1} s after SIGKILL, not within {s_goneNodeExits.TotalSeconds} s\n{_group.Diagnostics()}");
        Assert.Matches("is the node of parameter server 0 and worker w0, whose Akka remoting endpoint at .* refused a connection: its process is gone: downing it", coordinator.Output);
        string error = Assert.Single(coordinator.Output.Split('\n'), l => l.Contains("distnn: error: ", StringComparison.Ordinal));
        Assert.Matches("distnn: error: parameter server 0 \\(.*\\) is gone \\(its Akka remoting endpoint at .* refused a connection\\); its chunks' weights are lost", error);
    }

    [Fact]
    public void A_killed_worker_is_noticed_its_batches_go_to_the_other_and_a_replacement_joins_without_a_misleading_log()
    {
        var (coordinator, nodes) = Train(workers: 2);
        int before = coordinator.LineCount;

        var killed = System.Diagnostics.Stopwatch.StartNew();
        nodes["w1"].Signal("KILL");

        // The coordinator's node loses its association with w1's, whose remoting endpoint then refuses a connection: its
        // process is gone, and it is handled at once rather than after the failure detector (5 s here) and the resolver.
        Assert.True(coordinator.WaitForLine("worker w1 stopped; handing its unfinished batches", s_notice, before), _group.Diagnostics());
        var noticed = killed.Elapsed;
        Assert.True(noticed < s_goneWorkerNoticed, $"w1's loss noticed {noticed.TotalSeconds:F1} s after SIGKILL, not within {s_goneWorkerNoticed.TotalSeconds} s\n{_group.Diagnostics()}");
        Assert.Matches("is the node of worker w1, whose Akka remoting endpoint at .* refused a connection: its process is gone: downing it", coordinator.Output);
        var replacement = _group.Start("w2", "--role", "worker", "--seed", _seed, "--name", "w2", "--data-dir", Mnist.RequireDir(), "--threads", "1");
        int dealt = coordinator.LineCount;
        Assert.True(coordinator.WaitForLine("test loss", s_notice, dealt), $"no epoch ended after the worker was lost\n{_group.Diagnostics()}");
        Assert.True(replacement.WaitForLine("registered worker with the coordinator", s_start), _group.Diagnostics());
        Assert.DoesNotContain("cannot reach the seed", replacement.Output);
        coordinator.Signal("TERM");
        Assert.All(new[] { coordinator, nodes["ps"], nodes["w0"], replacement }, n => Assert.Equal(130, n.WaitForExit(s_notice)));
    }

    [Fact]
    public void A_paused_worker_is_removed_the_run_goes_on_and_when_resumed_it_says_so_and_exits_1()
    {
        var (coordinator, nodes) = Train(workers: 2);
        int before = coordinator.LineCount;

        nodes["w1"].Signal("STOP");
        Assert.True(coordinator.WaitForLine("worker w1 stopped; handing its unfinished batches", s_notice, before), _group.Diagnostics());
        int removed = coordinator.LineCount;
        Assert.True(coordinator.WaitForLine("test loss", s_notice, removed), $"no epoch ended without the paused worker\n{_group.Diagnostics()}");
        nodes["w1"].Signal("CONT");

        Assert.Equal(1, nodes["w1"].WaitForExit(s_notice));
        Assert.Contains("this node was removed from the cluster", nodes["w1"].Output);
        coordinator.Signal("TERM");
        Assert.All(new[] { coordinator, nodes["ps"], nodes["w0"] }, n => Assert.Equal(130, n.WaitForExit(s_notice)));
    }

    [Fact]
    public void The_only_worker_killed_and_a_new_one_joining_within_the_grace_finishes_the_run_with_every_sample_applied()
    {
        const int epochs = 40;
        string summaryPath = Path.Combine(_group.Dir, "summary.json");
        var (coordinator, nodes) = Train(workers: 1, epochs, extra: ["--summary-json", summaryPath]);
        int before = coordinator.LineCount;

        nodes["w0"].Signal("KILL");
        Assert.True(coordinator.WaitForLine("no live worker: waiting up to 30 s for one to join", s_notice, before), _group.Diagnostics());
        var replacement = _group.Start("w1", "--role", "worker", "--seed", _seed, "--name", "w1", "--data-dir", Mnist.RequireDir(), "--threads", "1");

        var exits = NodeGroup.WaitForExits([coordinator, nodes["ps"], replacement], s_start);
        Assert.True(exits.All(e => e == 0), $"exit codes coordinator, ps, w1: {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        Assert.Contains("worker w1 joined: it takes the", coordinator.Output);
        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(summaryPath));
        var root = summary.RootElement;
        Assert.Equal(epochs * 640L, root.GetProperty("samples_expected").GetInt64());
        Assert.Equal(epochs * 640L, root.GetProperty("samples_applied").GetInt64());
        Assert.Equal(epochs * 640L, root.GetProperty("samples_processed").GetInt64());
    }

    [Fact]
    public void The_only_worker_killed_and_none_joining_within_the_grace_fails_the_run_with_one_line_and_every_node_exits_1()
    {
        var (coordinator, nodes) = Train(workers: 1, extra: ["--worker-grace", "2"]);

        nodes["w0"].Signal("KILL");
        var exits = NodeGroup.WaitForExits([coordinator, nodes["ps"]], s_start);

        Assert.True(exits.All(e => e == 1), $"exit codes coordinator, ps: {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        Assert.Contains("no live worker: waiting up to 2 s for one to join", coordinator.Output);
        Assert.Contains("distnn: error: every worker has stopped (the last was w0) in epoch", coordinator.Output);
        Assert.Contains("and no worker joined within 2 s (distnn.failures.worker-grace, --worker-grace)", coordinator.Output);
    }

    [Fact]
    public void A_worker_paused_for_20_s_while_a_new_incarnation_of_its_name_registered_is_told_so_when_resumed_and_exits_1()
    {
        // A failure detector that tolerates the pause (as on a loaded machine): the paused node stays a member, so the
        // coordinator's word is what ends it (a node removed meanwhile says so itself: the spec above). The replacement
        // is admitted once the paused member answers gossip again (Akka's convergence), then registers.
        string config = Path.Combine(_group.Dir, "tolerant.hocon");
        File.WriteAllText(config, "akka.cluster.failure-detector.acceptable-heartbeat-pause = 120s\n");
        var (coordinator, nodes) = Train(workers: 2, mode: "async", everyNode: ["--config", config]);
        var paused = nodes["w1"];

        paused.Signal("STOP");
        var stopped = DateTime.UtcNow;
        var replacement = _group.Start("w1-again", "--role", "worker", "--seed", _seed, "--name", "w1", "--data-dir", Mnist.RequireDir(),
            "--threads", "1", "--config", config);
        Assert.True(replacement.WaitForLine("reached the cluster", s_start), _group.Diagnostics());
        var rest = TimeSpan.FromSeconds(20) - (DateTime.UtcNow - stopped);
        if (rest > TimeSpan.Zero)
        {
            Thread.Sleep(rest); // the issue's 20 s pause, not a wait for an actor
        }
        paused.Signal("CONT");

        Assert.True(coordinator.WaitForLine("worker w1 registered as a new incarnation", s_start), _group.Diagnostics());
        Assert.Equal(1, paused.WaitForExit(s_notice));
        Assert.Contains("the coordinator dropped this worker (w1#", paused.Output);
        Assert.Contains("registered and took its batches; exiting with an error", paused.Output);
        coordinator.Signal("TERM");
        Assert.All(new[] { coordinator, nodes["ps"], nodes["w0"], replacement }, n => Assert.Equal(130, n.WaitForExit(s_notice)));
    }

    /// <summary>Where the parameter servers run.</summary>
    public enum Layout
    {
        /// <summary>One server in a node "ps" of its own.</summary>
        Separate,

        /// <summary>One server in w0's node (--role worker,ps).</summary>
        WorkerPs,

        /// <summary>A server beside each worker: w0 in the coordinator's node (--role coordinator,worker,ps), the others worker,ps.</summary>
        CoordinatorWorkerPs,
    }

    /// <summary>
    /// A coordinator, its servers and <paramref name="workers"/> workers (w0, w1, …) training in <paramref name="mode"/>
    /// (<paramref name="everyNode"/>: options of every node; <paramref name="extra"/>: more of the coordinator's) until an
    /// epoch has ended, laid out as <paramref name="layout"/> says. The nodes returned are those other than the coordinator
    /// (with <see cref="Layout.CoordinatorWorkerPs"/>, w0 is in the coordinator's node); with <see cref="Layout.Separate"/>,
    /// <paramref name="servers"/> ps nodes: "ps", then "ps1", "ps2", …. <paramref name="workerEnvironment"/> is set for every
    /// worker, or for the one named <paramref name="environmentOf"/> only.
    /// </summary>
    private (NodeProcess Coordinator, Dictionary<string, NodeProcess> Nodes) Train(int workers, int epochs = 100000, string mode = "sync",
        string[]? everyNode = null, string[]? extra = null, Layout layout = Layout.Separate, IReadOnlyDictionary<string, string>? workerEnvironment = null,
        int servers = 1, string? environmentOf = null)
    {
        everyNode ??= [];
        extra ??= [];
        string mnist = Mnist.RequireDir();
        int port = NodeProcess.FreePort();
        _seed = $"akka.tcp://distnn@127.0.0.1:{port}";
        bool onTheCoordinator = layout == Layout.CoordinatorWorkerPs;
        string[] role = onTheCoordinator ? ["--role", "coordinator,worker,ps", "--name", "w0", "--servers", $"{workers}"] : ["--role", "coordinator", "--servers", $"{servers}"];
        var coordinator = _group.Start("coordinator", [.. role, "--port", port.ToString(CultureInfo.InvariantCulture), "--seed", _seed,
            "--threads", "1", "--registration-timeout", "120", "--no-progress", "--workers", $"{workers}", "--mode", mode,
            "--epochs", $"{epochs}", "--train-limit", "640", "--lr", "0.01", "--data-dir", mnist, .. everyNode, .. extra]);
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        var nodes = new Dictionary<string, NodeProcess>();
        for (int s = 0; layout == Layout.Separate && s < servers; s++)
        {
            string label = s == 0 ? "ps" : $"ps{s}";
            nodes[label] = _group.Start(label, ["--role", "ps", "--seed", _seed, "--threads", "1", .. everyNode]);
        }
        for (int w = onTheCoordinator ? 1 : 0; w < workers; w++)
        {
            string workerRole = onTheCoordinator || (layout == Layout.WorkerPs && w == 0) ? "worker,ps" : "worker";
            var environment = environmentOf is null || environmentOf == $"w{w}" ? workerEnvironment : null;
            nodes[$"w{w}"] = _group.Start($"w{w}", environment ?? new Dictionary<string, string>(), ["--role", workerRole, "--seed", _seed, "--name", $"w{w}", "--data-dir", mnist, "--threads", "1", .. everyNode]);
        }
        Assert.True(coordinator.WaitForLine("test loss", s_start), $"no epoch ended\n{_group.Diagnostics()}");
        return (coordinator, nodes);
    }

    /// <summary>Each batch of a worker takes about 400 ms: a wait before its computation, ended as the run stops (ComputeTestHook).</summary>
    private static readonly Dictionary<string, string> s_slowBatches = new() { ["DISTNN_TEST_SLOW_BATCH_MS"] = "400" };

    /// <summary>
    /// Until each of <paramref name="workers"/> is inside a held batch begun after now (<see cref="s_slowBatches"/>): what
    /// comes next then reaches each within its batch's 400 ms, not in the few ms between two batches (an epoch's end, a
    /// push's round trip).
    /// </summary>
    private void AwaitHeldBatches(Dictionary<string, NodeProcess> nodes, params string[] workers) =>
        AwaitLineOfEach(nodes, "test hook: holding a batch", workers.ToDictionary(w => w, w => nodes[w].LineCount));

    /// <summary>
    /// Creates <paramref name="holdFile"/> (DISTNN_TEST_HOLD_FILE) and waits until each of <paramref name="workers"/> holds
    /// a batch until the run stops (<see cref="BatchHold.HoldEvery"/>: a sync round split by the file is let go and held again).
    /// </summary>
    private void HoldUntilStopped(Dictionary<string, NodeProcess> nodes, string holdFile, params string[] workers) =>
        BatchHold.HoldEvery([.. workers.Select(w => nodes[w])], holdFile, s_start, _group.Diagnostics);

    /// <summary>Until each worker named in <paramref name="since"/> has said <paramref name="line"/> (a kind of hold) after that many lines.</summary>
    private void AwaitLineOfEach(Dictionary<string, NodeProcess> nodes, string line, Dictionary<string, int> since)
    {
        foreach (var (w, count) in since)
        {
            Assert.True(nodes[w].WaitForLine(line, s_start, count), $"{w} began no held batch\n{_group.Diagnostics()}");
        }
    }

    /// <summary>What is left of <see cref="s_notice"/> since <paramref name="since"/> (at least nothing).</summary>
    private static TimeSpan Remaining(DateTime since) => TimeSpan.FromTicks(Math.Max(0, (s_notice - (DateTime.UtcNow - since)).Ticks));

    public void Dispose() => _group.Dispose();
}
