using System.Diagnostics;
using System.Text.Json;

namespace DistNN.Cli.Tests;

/// <summary>Ctrl-C (SIGINT) and SIGTERM sent to a real `distnn train` process.</summary>
public class InterruptSpec
{
    [Theory]
    [InlineData("actors", "INT")]
    [InlineData("actors", "TERM")]
    [InlineData("local", "INT")]
    [InlineData("local", "TERM")]
    public async Task A_signal_stops_train_within_5_s_with_exit_130_the_weights_saved_and_the_summary_interrupted(string engine, string signal)
    {
        var dir = Distnn.TempDir();
        string summary = Path.Combine(dir, "summary.json"), weights = Path.Combine(dir, "model.safetensors");
        using var p = DistnnProcess.Start(["train", "--engine", engine, "--data-dir", Distnn.MnistDir(), "--train-limit", "3000",
            "--epochs", "1000", "--no-progress", "--summary-json", summary, "--save", weights], defaultSigint: true);
        await p.LineAsync(l => l.StartsWith("epoch 1/1000:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        var sent = Stopwatch.StartNew();
        await p.SignalAsync(signal);

        Assert.True(await p.ExitedWithinAsync(TimeSpan.FromSeconds(5)), $"still running {sent.Elapsed.TotalSeconds:F1} s after SIG{signal}");
        Assert.Equal(130, p.ExitCode);
        using var json = JsonDocument.Parse(File.ReadAllText(summary));
        Assert.Equal("interrupted", json.RootElement.GetProperty("status").GetString());
        Assert.True(json.RootElement.GetProperty("epochs").GetInt32() >= 1);
        Assert.True(File.Exists(weights), "--save was not written: " + p.Stderr);
        Assert.Contains("interrupted", p.Stderr);
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_signal_while_the_data_set_is_read_exits_130_at_once_saying_so(string signal)
    {
        var dir = Distnn.TempDir();
        string weights = Path.Combine(dir, "model.safetensors");
        using var p = DistnnProcess.Start(["train", "--data-dir", Distnn.MnistDir(), "--train-limit", "3000", "--epochs", "1",
            "--no-progress", "--save", weights], new Dictionary<string, string> { ["DISTNN_TEST_LOADING_PAUSE"] = "1" }, defaultSigint: true);
        await p.LineAsync(l => l.Contains("test hook: paused before reading the data set", StringComparison.Ordinal), TimeSpan.FromMinutes(1));

        var sent = Stopwatch.StartNew();
        await p.SignalAsync(signal);

        Assert.True(await p.ExitedWithinAsync(TimeSpan.FromSeconds(5)), $"still running {sent.Elapsed.TotalSeconds:F1} s after SIG{signal}");
        Assert.Equal(130, p.ExitCode);
        Assert.Contains($"distnn: SIG{signal} while reading the data set: nothing was trained, exiting", p.Stderr);
        Assert.False(File.Exists(weights), "--save was written by a run that never trained");
    }
}
