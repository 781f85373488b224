using System.Text.RegularExpressions;

namespace DistNN.Integration.Tests;

/// <summary>
/// scripts/chaos.sh with real `distnn node` processes: workers SIGKILLed and replaced during an async mlp run; the servers'
/// own accounting says nothing was lost or applied twice.
/// </summary>
public sealed class ChaosScriptSpec
{
    [Fact]
    public void Five_worker_kills_during_a_run_lose_no_sample_and_apply_none_twice()
    {
        Mnist.RequireDir();
        var (exit, output) = Repository.Run("bash",
            [Path.Combine(Repository.Root, "scripts", "chaos.sh"), "--kills", "5", "--workers", "3", "--no-clean", "--chaos-seed", "15",
                "--data-dir", Mnist.RequireDir(), "--", "--model", "mlp", "--epochs", "160", "--train-limit", "1000", "--mode", "async"],
            TimeSpan.FromMinutes(6),
            new Dictionary<string, string> { ["DISTNN_DLL"] = Path.Combine(AppContext.BaseDirectory, "distnn.dll") });

        var line = Regex.Match(output, @"^chaos: kills=(\d+) restarts=(\d+) samples_lost=(\S+) samples_doubled=(\S+) accuracy=(\S+)", RegexOptions.Multiline);
        Assert.True(line.Success, output);
        Assert.True(exit == 0, output);
        Assert.Equal(("5", "5", "0", "0"), (line.Groups[1].Value, line.Groups[2].Value, line.Groups[3].Value, line.Groups[4].Value));
        Assert.True(double.Parse(line.Groups[5].Value, System.Globalization.CultureInfo.InvariantCulture) > 80, output);
    }
}
