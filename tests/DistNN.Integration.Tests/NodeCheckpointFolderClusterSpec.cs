using System.Globalization;

namespace DistNN.Integration.Tests;

/// <summary>
/// A cluster whose ps nodes each write their checkpoint files into a folder of their own (`--role ps --checkpoint-dir OWN`),
/// stopped mid-run and resumed with the ps nodes registering in the other order, and a ps node holding nothing registered
/// between them: each server is given the shard its own folder holds (the node holding server 0's registers after as many
/// nodes as the plan has servers), the node holding nothing is told it is not needed, and the run ends with the weights
/// of a run never stopped.
/// </summary>
public sealed class NodeCheckpointFolderClusterSpec : IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);

    /// <summary>2 epochs of 3000 samples (47 batches, 24 sync rounds of two workers), 2 servers; a checkpoint every 5 steps.</summary>
    private static readonly string[] s_plan =
        ["--model", "mlp", "--epochs", "2", "--train-limit", "3000", "--workers", "2", "--servers", "2", "--mode", "sync"];

    private readonly NodeGroup _group = new("distnn-own-folders-");

    [Fact]
    public void Ps_nodes_registering_in_the_other_order_on_a_resume_are_given_the_shards_their_folders_hold_and_end_with_the_clean_runs_weights()
    {
        string mnist = Mnist.RequireDir();
        string checkpoints = Path.Combine(_group.Dir, "ck");
        string saved = Path.Combine(_group.Dir, "model.safetensors");
        var first = Start("first", mnist, [.. s_plan, "--checkpoint-dir", checkpoints, "--checkpoint-every", "5", "--keep-checkpoints", "50"], ["a", "b"]);
        Assert.True(NodeGroup.WaitForFile(Path.Combine(checkpoints, "step-0000000005", "manifest.json"), s_run), _group.Diagnostics());
        foreach (var node in first)
        {
            node.Signal("KILL");
        }
        Assert.All(NodeGroup.WaitForExits(first, s_start), e => Assert.NotNull(e));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_group.Dir, "own-a"), "server-0.safetensors", SearchOption.AllDirectories));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_group.Dir, "own-b"), "server-1.safetensors", SearchOption.AllDirectories));

        // Without b's folder no node holds server 1's shard: at the registration timeout the resume fails with one line, on
        // every node, within seconds.
        string away = Path.Combine(_group.Dir, "own-b-away");
        Directory.Move(Path.Combine(_group.Dir, "own-b"), away);
        var failing = Start("failing", mnist, ["--resume", checkpoints, "--save", saved], ["b", "a"], waitForRegistration: false, registrationTimeout: "20");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(failing[0].WaitForLine("cannot cover every shard", s_start), _group.Diagnostics());
        var failed = NodeGroup.WaitForExits(failing, s_start);
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.True(failed.All(e => e is not null and not 0), $"exit codes {string.Join(", ", failed)}\n{_group.Diagnostics()}");
        Assert.True(seconds < 30, $"every node exited {seconds:F1} s after the coordinator's line\n{_group.Diagnostics()}");
        Assert.False(File.Exists(saved), "a failed resume saved weights");
        Directory.Move(away, Path.Combine(_group.Dir, "own-b"));

        // b (which wrote server 1's files) registers first now, so it is server 0 by the registration order; c (a folder
        // holding nothing) second; a (server 0's files) third, beyond the plan's two servers, without standbys.
        var resumed = Start("resumed", mnist, ["--resume", checkpoints, "--save", saved], ["b", "c", "a"]);
        var exits = NodeGroup.WaitForExits(resumed, s_run);

        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        Assert.Contains("resuming from checkpoint", resumed[0].Output);
        Assert.Contains("(registered as server 0) takes server 1's shard: its own folder holds it", resumed[0].Output);
        Assert.Contains("(registered as server 2) takes server 0's shard: its own folder holds it", resumed[0].Output);
        Assert.Contains("this ps node is not needed", resumed[2].Output);
        Assert.Equal(NodeGroup.CleanRunSha(mnist, s_plan, s_run), NodeGroup.Sha(saved));
    }

    /// <summary>
    /// A coordinator with <paramref name="options"/>, then one ps node per name of <paramref name="psOrder"/> (each waited
    /// for until it registered, so they register in that order, unless <paramref name="waitForRegistration"/> is false;
    /// ps NAME writes into own-NAME), then two workers.
    /// </summary>
    private List<NodeProcess> Start(string label, string mnist, string[] options, string[] psOrder, bool waitForRegistration = true,
        string registrationTimeout = "120")
    {
        int port = NodeProcess.FreePort();
        string seed = $"akka.tcp://distnn@127.0.0.1:{port}";
        var coordinator = _group.Start($"{label}-coordinator", ["--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture), "--seed", seed,
            "--threads", "1", "--registration-timeout", registrationTimeout, "--no-progress", "--data-dir", mnist, .. options]);
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        var nodes = new List<NodeProcess> { coordinator };
        foreach (string name in psOrder)
        {
            var ps = _group.Start($"{label}-ps-{name}", "--role", "ps", "--seed", seed, "--threads", "1", "--checkpoint-dir", Path.Combine(_group.Dir, $"own-{name}"));
            Assert.True(!waitForRegistration || ps.WaitForLine("registered ps with the coordinator", s_start), _group.Diagnostics());
            nodes.Add(ps);
        }
        nodes.Add(_group.Start($"{label}-w0", "--role", "worker", "--seed", seed, "--name", "w0", "--data-dir", mnist, "--threads", "1"));
        nodes.Add(_group.Start($"{label}-w1", "--role", "worker", "--seed", seed, "--name", "w1", "--data-dir", mnist, "--threads", "1"));
        return nodes;
    }

    public void Dispose() => _group.Dispose();
}
