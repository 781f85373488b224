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
}
