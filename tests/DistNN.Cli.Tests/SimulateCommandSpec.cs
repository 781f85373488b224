using Xunit;

namespace DistNN.Cli.Tests;

public sealed class SimulateCommandSpec
{
    [Fact]
    public void Simulate_prints_a_row_per_worker_count_and_mode_and_draws_the_plot()
    {
        string png = Path.Combine(Path.GetTempPath(), $"distnn-simulate-{Guid.NewGuid():N}.png");
        try
        {
            var r = Distnn.RunWithin(TimeSpan.FromMinutes(2), "simulate", "--model", "mlp", "--workers", "1,4", "--mode", "sync,async",
                "--compute-ms", "5", "--server-ns", "0.3,0.5", "--message-ns", "0.25,0.2", "--message-us", "20,30", "--steps", "3", "--plot", png,
                "--cores", "2", "--server-round-us", "800", "--worker-round-us", "400", "--control-us", "900", "--background-cores", "0.02,0.01,0.01", "--preemption-us", "300", "--node-cpu");

            Assert.True(r.ExitCode == 0, r.All);
            var rows = r.Stdout.Split('\n').Where(l => l.TrimStart().StartsWith("sync", StringComparison.Ordinal)
                || l.TrimStart().StartsWith("async", StringComparison.Ordinal)).ToList();
            Assert.Equal(4, rows.Count);
            Assert.Contains("samples/s", r.Stdout);
            Assert.Contains("0.2500 ns per frame byte on a worker, 0.2000 on a server (given), and 20.0 µs and 30.0 µs per message", r.Stdout);
            Assert.Contains("server rounds: 800.0 µs of a server's CPU per round beyond its messages and arithmetic (given); 400.0 µs of a worker's per batch beyond its compute and messages (given)", r.Stdout);
            Assert.Contains("overlap on: a layer's push part leaves when this share of the batch's compute is done", r.Stdout);
            // The mlp preset is flatten, dense, dense, dense: the three dense layers are a worker's push parts.
            Assert.Contains("layers with trainable weights (a push part each): 1,2,3", r.Stdout);
            Assert.Contains("control plane: 900.0 µs of the coordinator's CPU per batch (given); background: 0.0200, 0.0100, 0.0100 cores", r.Stdout);
            // Each run's nodes: the coordinator's 900 µs per step (one worker) and a worker's 5 ms of compute and more.
            Assert.Contains("cpu per step (ms): coordinator 0.90,", r.Stdout);
            Assert.Matches(@"worker-0 (5\.[0-9]{2}|[6-9]\.[0-9]{2})", r.Stdout);
            Assert.Matches(@"compute\+wait per batch \(ms\): worker-0 [0-9]+\.[0-9]{2}\+[0-9]+\.[0-9]{2}", r.Stdout);
            Assert.Contains("preemption: 300.0 µs of a worker's compute per preemption (given)", r.Stdout);
            Assert.Matches(@"preemptions per batch \(expected\): worker-0 [0-9]+\.[0-9]{3}", r.Stdout);
            Assert.True(new FileInfo(png).Length > 10_000, "the plot is a real PNG");
        }
        finally
        {
            File.Delete(png);
        }
    }

    [Theory]
    [InlineData("--link", "10 gigabit", "--link")]
    [InlineData("--workers", "4,x", "--workers")]
    [InlineData("--stragglers", "0.05", "--stragglers")]
    [InlineData("--mode", "bulk", "--mode")]
    [InlineData("--message-ns", "0.2", "--message-ns")]
    [InlineData("--overlap", "sometimes", "--overlap")]
    [InlineData("--message-us", "20", "--message-us")]
    [InlineData("--message-ns", "0.2,-1", "--message-ns")]
    [InlineData("--control-us", "-5", "--control-us")]
    [InlineData("--server-round-us", "-3", "--server-round-us")]
    [InlineData("--server-round-us", "1,2", "--server-round-us")]
    [InlineData("--worker-round-us", "-1", "--worker-round-us")]
    [InlineData("--background-cores", "0.1,0.1", "--background-cores")]
    [InlineData("--preemption-us", "-1", "--preemption-us")]
    [InlineData("--preemption-us", "200", "--preemption-us")]
    [InlineData("--background-cores", "0.1,0.1,0.1", "--background-cores")]
    public void A_bad_option_exits_2_naming_it(string option, string value, string named)
    {
        var r = Distnn.Run("simulate", "--model", "mlp", "--compute-ms", "5", "--server-ns", "0,0", option, value);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(named, r.Stderr);
    }
}
