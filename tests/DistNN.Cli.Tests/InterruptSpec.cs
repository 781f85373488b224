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
        // Through env --default-signal: a child started from a background job would inherit SIGINT ignored, as no
        // terminal would deliver it; this is how a shell in the foreground starts the command.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "distnn.dll"), "train", "--engine", engine,
            "--data-dir", Distnn.MnistDir(), "--train-limit", "3000", "--epochs", "1000", "--no-progress", "--summary-json", summary, "--save", weights })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var firstEpoch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("epoch 1/1000:", StringComparison.Ordinal) == true)
            {
                firstEpoch.TrySetResult();
            }
        };
        var stderr = p.StandardError.ReadToEndAsync();
        p.BeginOutputReadLine();
        try
        {
            await firstEpoch.Task.WaitAsync(TimeSpan.FromMinutes(2));

            var sent = Stopwatch.StartNew();
            using (var kill = Process.Start("/bin/kill", ["-s", signal, p.Id.ToString()]))
            {
                kill.WaitForExit();
            }
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await p.WaitForExitAsync(patience.Token).ContinueWith(_ => { }, TaskScheduler.Default);

            Assert.True(p.HasExited, $"still running {sent.Elapsed.TotalSeconds:F1} s after SIG{signal}");
            await p.WaitForExitAsync();
            string errors = await stderr;
            Assert.Equal(130, p.ExitCode);
            using var json = JsonDocument.Parse(File.ReadAllText(summary));
            Assert.Equal("interrupted", json.RootElement.GetProperty("status").GetString());
            Assert.True(json.RootElement.GetProperty("epochs").GetInt32() >= 1);
            Assert.True(File.Exists(weights), "--save was not written: " + errors);
            Assert.Contains("interrupted", errors);
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }
}
