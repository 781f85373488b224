using System.Globalization;
using System.Security.Cryptography;

namespace DistNN.Integration.Tests;

/// <summary>
/// --coordinator-grace with real `distnn node` processes on loopback: servers and workers that lose their coordinator
/// wait for a new one at the seed address (`--resume DIR`), rejoin and finish the run; without one they exit 1 once the
/// grace is over.
/// </summary>
public sealed class CoordinatorGraceSpec : IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);

    private readonly NodeGroup _group = new("distnn-grace-");

    /// <summary>The clean run's weights (one for both checkpoint layouts: where the files go does not change them).</summary>
    private static readonly Lazy<string> s_clean = new(() =>
    {
        using var spec = new CoordinatorGraceSpec();
        return spec.Run("clean", killAfter: null, folderPerServer: false);
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_coordinator_SIGKILLed_mid_run_and_resumed_is_rejoined_by_every_node_and_the_run_ends_with_the_clean_runs_weights(bool folderPerServer)
    {
        string resumed = Run("killed", killAfter: "step-0000000020", folderPerServer);

        Assert.Equal(s_clean.Value, resumed);
    }

    /// <summary>
    /// A sync run (1 server, 2 workers, 3 epochs of 3000 samples, a checkpoint every 10 steps) and the SHA-256 of its saved
    /// weights; with <paramref name="killAfter"/> its coordinator is SIGKILLed once that checkpoint's manifest is written and
    /// a new one resumes from the checkpoint folder at the same address. <paramref name="folderPerServer"/>: the ps node writes
    /// its files into a folder of its own (--checkpoint-dir on the ps), the coordinator only its manifests.
    /// </summary>
    private string Run(string label, string? killAfter, bool folderPerServer)
    {
        string mnist = Mnist.RequireDir();
        string dir = Path.Combine(_group.Dir, label);
        string ck = Path.Combine(dir, "ck");
        string model = Path.Combine(dir, "model.safetensors");
        Directory.CreateDirectory(dir);
        int port = NodeProcess.FreePort();
        string seed = $"akka.tcp://distnn@127.0.0.1:{port}";
        string[] node = ["--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture), "--seed", seed, "--threads", "1",
            "--registration-timeout", "120", "--no-progress", "--data-dir", mnist, "--save", model];
        var coordinator = _group.Start($"{label}-coordinator", [.. node, "--servers", "1", "--workers", "2", "--mode", "sync", "--model", "mlp",
            "--epochs", "3", "--train-limit", "3000", "--checkpoint-every", "10", "--checkpoint-dir", ck]);
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        var others = new List<NodeProcess>
        {
            _group.Start($"{label}-ps", ["--role", "ps", "--seed", seed, "--threads", "1", .. folderPerServer ? ["--checkpoint-dir", Path.Combine(dir, "ps-own")] : Array.Empty<string>()]),
            _group.Start($"{label}-w0", "--role", "worker", "--seed", seed, "--name", "w0", "--data-dir", mnist, "--threads", "1"),
            _group.Start($"{label}-w1", "--role", "worker", "--seed", seed, "--name", "w1", "--data-dir", mnist, "--threads", "1"),
        };
        if (killAfter is not null)
        {
            string manifest = Path.Combine(ck, killAfter, "manifest.json");
            var deadline = DateTime.UtcNow + s_run;
            while (!File.Exists(manifest) && DateTime.UtcNow < deadline && coordinator.WaitForExit(TimeSpan.FromMilliseconds(50)) is null)
            {
            }
            Assert.True(File.Exists(manifest), $"no {manifest}\n{_group.Diagnostics()}");
            coordinator.Signal("KILL");
            Assert.NotNull(coordinator.WaitForExit(s_start));
            Assert.False(File.Exists(model), "the killed coordinator must not have finished the run");
            Assert.All(others, n => Assert.True(n.WaitForLine("coordinator lost (", s_start), _group.Diagnostics()));
            Assert.All(others, n => Assert.Contains("waiting up to 30 s for a new one", n.Output));
            coordinator = _group.Start($"{label}-resumed", [.. node, "--resume", ck]);
        }

        var exits = NodeGroup.WaitForExits([coordinator, .. others], s_run);

        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        if (killAfter is not null)
        {
            Assert.Contains("resuming from checkpoint", coordinator.Output);
            string[] serverFiles = Directory.GetFiles(ck, "server-0.safetensors", SearchOption.AllDirectories);
            string[] ownFiles = folderPerServer ? Directory.GetFiles(Path.Combine(dir, "ps-own"), "server-0.safetensors", SearchOption.AllDirectories) : [];
            Assert.True(folderPerServer ? serverFiles.Length == 0 && ownFiles.Length > 0 : serverFiles.Length > 0,
                $"server files beside the manifests: {serverFiles.Length}, in the ps node's own folder: {ownFiles.Length}");
            // Each node registered again, with the new coordinator, after it lost the old one.
            Assert.All(others, n => Assert.True(n.Output.Split('\n').SkipWhile(l => !l.Contains("coordinator lost (", StringComparison.Ordinal))
                .Any(l => l.Contains("with the coordinator at", StringComparison.Ordinal)), $"{n.Label} did not register again\n{_group.Diagnostics()}"));
        }
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model)));
    }

    [Fact]
    public void Without_a_new_coordinator_a_node_exits_1_when_its_grace_is_over_and_with_grace_0_at_once()
    {
        int port = NodeProcess.FreePort();
        string seed = $"akka.tcp://distnn@127.0.0.1:{port}";
        // No server: the coordinator waits for registrations, the workers have registered and wait for their init.
        var coordinator = _group.Start("coordinator", "--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture), "--seed", seed,
            "--threads", "1", "--registration-timeout", "120", "--no-progress", "--servers", "1", "--workers", "4", "--data-dir", Mnist.RequireDir());
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        var patient = _group.Start("patient", "--role", "worker", "--seed", seed, "--name", "patient", "--threads", "1", "--coordinator-grace", "3");
        var impatient = _group.Start("impatient", "--role", "worker", "--seed", seed, "--name", "impatient", "--threads", "1", "--coordinator-grace", "0");
        // Two bystanders that wait long keep the patient on the majority side: the impatient one leaves at once, and its
        // leaving cannot finish while the lost coordinator is still a member, so it may end up unreachable too; the patient
        // alone with it would then be half of the survivors' view, and the split-brain resolver would down the patient
        // before its grace could start (seen once under CI's load).
        var bystanders = Enumerable.Range(1, 2).Select(i => _group.Start($"bystander-{i}", "--role", "worker", "--seed", seed,
            "--name", $"bystander-{i}", "--threads", "1", "--coordinator-grace", "600")).ToList();
        Assert.All((NodeProcess[])[patient, impatient, .. bystanders], n => Assert.True(n.WaitForLine("registered worker with the coordinator", s_start), _group.Diagnostics()));

        coordinator.Signal("KILL");
        var exits = NodeGroup.WaitForExits([patient, impatient], s_start);

        Assert.True(exits.All(e => e == 1), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        string diagnostics = _group.Diagnostics();
        Assert.True(patient.Output.Contains("waiting up to 3 s for a new one", StringComparison.Ordinal), diagnostics);
        Assert.True(patient.Output.Contains("distnn: error: no new coordinator within 3 s of losing the previous one", StringComparison.Ordinal), diagnostics);
        // Without grace it ends at once, by whichever word comes first: its own (the coordinator's actor terminated) or the
        // cluster's (on a loaded machine the survivors may down every member, this one too, before that word arrives).
        Assert.True(impatient.Output.Contains("before it ended the run: leaving the cluster with an error", StringComparison.Ordinal)
            || impatient.Output.Contains("this node was removed from the cluster", StringComparison.Ordinal), diagnostics);
        Assert.False(impatient.Output.Contains("waiting up to", StringComparison.Ordinal), diagnostics);
    }

    public void Dispose() => _group.Dispose();
}
