using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace DistNN.Cli.Tests;

/// <summary>
/// Checkpoints and resume with real `distnn train` processes: a SIGKILLed run resumed from its checkpoint, a corrupt
/// newest checkpoint, a kill between a checkpoint's temporary file and its rename. Sync mode, two workers: the resumed
/// run must end with the very weights (the same SHA-256 of the saved safetensors) of a run never stopped.
/// </summary>
public class CheckpointSpec
{
    private static readonly Lazy<string> s_cleanSha = new(() =>
    {
        var dir = Distnn.TempDir();
        var r = Train(dir, "--checkpoint-dir", Path.Combine(dir, "ck"), "--keep-checkpoints", "20");
        Assert.True(r.ExitCode == 0, r.All);
        return Sha(Path.Combine(dir, "model.safetensors"));
    });

    [Fact]
    public async Task A_SIGKILLed_run_resumed_from_its_checkpoint_ends_with_the_clean_runs_weights()
    {
        var dir = Distnn.TempDir();
        string ck = Path.Combine(dir, "ck");
        // The writer stops after the manifest of step 30 (mid epoch 2); the run is then SIGKILLed.
        await KillWhenPaused(dir, "after:step-0000000030", "--checkpoint-dir", ck);
        Assert.False(File.Exists(Path.Combine(dir, "model.safetensors")), "the killed run must not have finished");

        var resumed = Train(dir, "--resume", ck);

        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.Contains("resuming from checkpoint step-0000000030: epoch 2, 12 of its 47 batches applied", resumed.Stdout);
        Assert.Equal(s_cleanSha.Value, Sha(Path.Combine(dir, "model.safetensors")));
    }

    [Fact]
    public void A_corrupt_newest_checkpoint_is_named_and_the_previous_one_is_resumed()
    {
        var dir = Distnn.TempDir();
        string ck = Path.Combine(dir, "ck");
        Assert.Equal(0, Train(dir, "--checkpoint-dir", ck, "--keep-checkpoints", "20").ExitCode);
        // Newest: epoch-0002 (step 48); before it step-0000000040.
        string altered = Path.Combine(ck, "epoch-0002", "server-0.safetensors");
        using (var f = new FileStream(altered, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = f.Length - 5;
            int b = f.ReadByte();
            f.Position = f.Length - 5;
            f.WriteByte((byte)(b ^ 0x40));
        }

        var verify = Distnn.Run("checkpoint", "verify", ck);
        var resumed = Train(dir, "--resume", ck);

        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("checkpoint epoch-0002 is corrupt", verify.Stderr);
        Assert.Contains("server-0.safetensors: checksum mismatch", verify.Stderr);
        Assert.Contains("a resume would use step-0000000040", verify.Stdout);
        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.Contains("checkpoint epoch-0002 is corrupt", resumed.Stderr);
        Assert.Contains("resuming from checkpoint step-0000000040", resumed.Stdout);
        Assert.Equal(s_cleanSha.Value, Sha(Path.Combine(dir, "model.safetensors")));
    }

    [Fact]
    public async Task A_kill_between_the_temporary_manifest_and_its_rename_leaves_the_previous_checkpoint_usable()
    {
        var dir = Distnn.TempDir();
        string ck = Path.Combine(dir, "ck");
        await KillWhenPaused(dir, "before-rename:step-0000000020/manifest.json", "--checkpoint-dir", ck);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(ck, "step-0000000020"), "manifest.json.*.tmp"));

        var verify = Distnn.Run("checkpoint", "verify", ck);
        var resumed = Train(dir, "--resume", ck);

        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.Contains("step-0000000020    unfinished (no manifest)", verify.Stdout);
        Assert.Contains("a resume would use step-0000000010", verify.Stdout);
        Assert.True(resumed.ExitCode == 0, resumed.All);
        Assert.Contains("checkpoint step-0000000020 was never finished", resumed.Stderr);
        Assert.Contains("resuming from checkpoint step-0000000010: epoch 1, 20 of its 47 batches applied", resumed.Stdout);
        Assert.Equal(s_cleanSha.Value, Sha(Path.Combine(dir, "model.safetensors")));
    }

    [Fact]
    public async Task An_interrupted_run_keeps_a_checkpoint_of_the_moment_it_stopped()
    {
        var dir = Distnn.TempDir();
        string ck = Path.Combine(dir, "ck");

        var (exitCode, stderr) = await Interrupt(ck, new Dictionary<string, string>(), "--checkpoint-every", "0");

        var verify = Distnn.Run("checkpoint", "verify", ck);
        Assert.True(exitCode == 130, $"exit {exitCode}\n{stderr}");
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.True(Regex.IsMatch(verify.Stdout, "a resume would use interrupt-[0-9-]+"), $"{verify.All}\ntrain's stderr:\n{stderr}");
        Assert.Matches("checkpoint interrupt-[0-9-]+ keeps the run as it stopped \\(step [0-9]+\\)", stderr);
    }

    /// <summary>
    /// The interrupt checkpoint's first file is held 2 s on the writer (a slow disk): the run must not train on meanwhile
    /// into checkpoints newer than the interrupt's, the servers' own every 5 steps or the next epoch's. It did: under load,
    /// another epoch ended and its checkpoint, written after the interrupt's, was the one a resume would use.
    /// </summary>
    [Fact]
    public async Task An_interrupt_whose_checkpoint_is_slow_to_write_keeps_it_the_newest()
    {
        var dir = Distnn.TempDir();
        string ck = Path.Combine(dir, "ck");

        var (exitCode, stderr) = await Interrupt(ck, new Dictionary<string, string> { ["DISTNN_TEST_CHECKPOINT_PAUSE"] = "slow:interrupt-" },
            "--checkpoint-every", "5", "--keep-checkpoints", "50");

        var verify = Distnn.Run("checkpoint", "verify", ck);
        Assert.True(exitCode == 130, $"exit {exitCode}\n{stderr}");
        Assert.Contains("test hook: checkpoint writer slowed 2 s", stderr);
        Assert.True(verify.ExitCode == 0, verify.All);
        Assert.True(Regex.IsMatch(verify.Stdout, "a resume would use interrupt-[0-9-]+"), $"{verify.All}\ntrain's stderr:\n{stderr}");
        Assert.Matches("checkpoint interrupt-[0-9-]+ keeps the run as it stopped", stderr);
    }

    /// <summary>A run of 1000 epochs with checkpoints in <paramref name="ck"/>, SIGINTed once epoch 1 is reported: its exit code and stderr.</summary>
    private static async Task<(int ExitCode, string Stderr)> Interrupt(string ck, Dictionary<string, string> environment, params string[] extra)
    {
        using var p = DistnnProcess.Start(["train", "--model", "mlp", "--train-limit", "3000", "--epochs", "1000", "--checkpoint-dir", ck,
            "--data-dir", Distnn.MnistDir(), "--no-progress", .. extra], environment, defaultSigint: true);
        await p.LineAsync(l => l.StartsWith("epoch 1/1000:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        await p.SignalAsync("INT");
        Assert.True(await p.ExitedWithinAsync(TimeSpan.FromSeconds(15)), $"still running 15 s after SIGINT; it wrote:\n{string.Join('\n', p.Lines)}");
        return (p.ExitCode, p.Stderr);
    }

    [Fact]
    public void A_resume_without_a_usable_checkpoint_exits_2_saying_so()
    {
        var dir = Distnn.TempDir();
        string ck = Directory.CreateDirectory(Path.Combine(dir, "ck")).FullName;

        var r = Distnn.Run("train", "--resume", ck, "--data-dir", Distnn.MnistDir());

        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"--resume: no usable checkpoint in '{ck}'", r.Stderr);
        Assert.Equal(2, Distnn.Run("checkpoint", "verify", ck).ExitCode);
    }

    /// <summary>2 epochs of 3000 samples (47 batches, 24 sync rounds of 2 workers), a checkpoint every 10 steps.</summary>
    private static Distnn.Result Train(string dir, params string[] extra) => Distnn.Run([.. TrainArgs(dir), .. extra]);

    private static string[] TrainArgs(string dir) =>
    [
        "train", "--model", "mlp", "--epochs", "2", "--train-limit", "3000", "--workers", "2", "--mode", "sync", "--threads", "2",
        "--checkpoint-every", "10", "--data-dir", Distnn.MnistDir(), "--no-progress", "--save", Path.Combine(dir, "model.safetensors"),
    ];

    /// <summary>Starts a run whose checkpoint writer pauses at <paramref name="pause"/>, and SIGKILLs it once it has.</summary>
    private static async Task KillWhenPaused(string dir, string pause, params string[] extra)
    {
        using var p = DistnnProcess.Start([.. TrainArgs(dir), .. extra], new Dictionary<string, string> { ["DISTNN_TEST_CHECKPOINT_PAUSE"] = pause });
        await p.LineAsync(l => l.Contains("test hook: checkpoint writer paused", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
    } // disposing p SIGKILLs it, paused mid-write

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
