using System.Text.Json;

namespace DistNN.Cli.Tests;

public class TrainCommandSpec
{
    private static string RequireMnist()
    {
        var dir = Distnn.MnistDir();
        Assert.True(File.Exists(Path.Combine(dir, "train-images-idx3-ubyte")) || File.Exists(Path.Combine(dir, "train-images-idx3-ubyte.gz")),
            $"MNIST is not in {dir}: run scripts/fetch-mnist.sh (scripts/test.sh does) — this test needs the real data and does not pass without it");
        return dir;
    }

    [Fact]
    public void Training_on_an_mnist_subset_learns_far_above_chance_and_the_saved_model_evaluates_the_same()
    {
        var mnist = RequireMnist();
        var dir = Distnn.TempDir();
        var summaryPath = Path.Combine(dir, "summary.json");
        var model = Path.Combine(dir, "mlp.safetensors");

        var train = Distnn.Run("train", "--model", "mlp", "--data-dir", mnist, "--train-limit", "6000", "--epochs", "2", "--threads", "1",
            "--summary-json", summaryPath, "--metrics", Path.Combine(dir, "m.jsonl"), "--save", model, "--no-progress");

        Assert.True(train.ExitCode == 0, train.All);
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        double accuracy = summary.RootElement.GetProperty("test_accuracy").GetDouble();
        Assert.True(accuracy > 0.88, $"test accuracy {accuracy:P2} after 2 epochs on 6,000 images");
        foreach (var key in new[] { "model", "optimizer", "batch_size", "epochs", "seed", "test_loss", "train_samples_per_sec", "wall_seconds", "mode", "workers", "servers", "samples_processed", "samples_applied", "samples_expected" })
        {
            Assert.True(summary.RootElement.TryGetProperty(key, out _), $"summary lacks {key}");
        }
        Assert.Equal(12_000, summary.RootElement.GetProperty("samples_applied").GetInt64());
        Assert.Contains("12000/12000 samples applied", train.Stdout);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "m.jsonl")).Length);

        var eval = Distnn.Run("eval", "--model-file", model, "--data-dir", mnist);
        Assert.True(eval.ExitCode == 0, eval.All);
        Assert.Contains($"test accuracy {accuracy * 100:F2} %", eval.Stdout);
    }

    [Fact]
    public void Bench_prints_one_json_line_in_the_reference_shape()
    {
        var r = Distnn.Run("bench", "--model", "mlp", "--batch", "16", "--threads", "1", "--seconds", "0.3");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        foreach (var key in new[] { "model", "batch", "threads", "samples_per_sec_median", "ms_per_step_median", "ms_min", "ms_max" })
        {
            Assert.True(line.RootElement.TryGetProperty(key, out _), $"bench output lacks {key}: {r.Stdout}");
        }
        Assert.True(line.RootElement.GetProperty("samples_per_sec_median").GetDouble() > 0);
    }

    [Theory]
    [InlineData("dataplane")]
    [InlineData("remote")]
    public void Push_pull_bench_times_round_trips_to_a_server_in_a_child_process(string carrier)
    {
        var r = Distnn.Run("bench", "--push-pull", "--carrier", carrier, "--seconds", "0.3");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        Assert.Equal(carrier, line.RootElement.GetProperty("carrier").GetString());
        Assert.True(line.RootElement.GetProperty("two_processes").GetBoolean());
        Assert.Equal(421_642, line.RootElement.GetProperty("floats").GetInt32());
        Assert.True(line.RootElement.GetProperty("round_trips").GetInt32() > 0, r.Stdout);
        Assert.True(line.RootElement.GetProperty("server_cpu_seconds").GetDouble() > 0, r.Stdout);
    }

    [Fact]
    public void Push_pull_bench_in_parts_sends_each_push_in_that_many_parts_and_waits_for_every_reply()
    {
        var whole = Distnn.Run("bench", "--push-pull", "--carrier", "dataplane", "--seconds", "0.3");
        var parts = Distnn.Run("bench", "--push-pull", "--carrier", "dataplane", "--seconds", "0.3", "--parts", "7");

        Assert.True(whole.ExitCode == 0 && parts.ExitCode == 0, whole.All + parts.All);
        using var w = JsonDocument.Parse(whole.Stdout.Trim());
        using var p = JsonDocument.Parse(parts.Stdout.Trim());
        Assert.Equal(1, w.RootElement.GetProperty("parts").GetInt32());
        Assert.Equal(7, p.RootElement.GetProperty("parts").GetInt32());
        Assert.True(p.RootElement.GetProperty("round_trips").GetInt32() > 0, parts.Stdout);
        // Every part is pushed and answered: the same values both ways, each of the six more frames with its own header.
        long wholeBytes = w.RootElement.GetProperty("push_bytes_on_wire").GetInt64() + w.RootElement.GetProperty("reply_bytes_on_wire").GetInt64();
        long partBytes = p.RootElement.GetProperty("push_bytes_on_wire").GetInt64() + p.RootElement.GetProperty("reply_bytes_on_wire").GetInt64();
        Assert.InRange(partBytes, wholeBytes + 12, wholeBytes + 12 * 4096);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1000")]
    public void Push_pull_bench_refuses_parts_it_cannot_send_naming_the_option(string parts)
    {
        var r = Distnn.Run("bench", "--push-pull", "--carrier", "dataplane", "--seconds", "0.3", "--parts", parts);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--parts", r.All);
    }

    [Fact]
    public void Push_pull_bench_with_K_clients_runs_sync_rounds_of_the_K_and_gives_the_server_s_cpu_per_round()
    {
        var r = Distnn.Run("bench", "--push-pull", "--carrier", "dataplane", "--seconds", "0.3", "--parts", "3", "--clients", "2", "--last-part-alone");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        var root = line.RootElement;
        Assert.Equal("sync", root.GetProperty("mode").GetString());
        Assert.Equal(2, root.GetProperty("clients").GetInt32());
        int rounds = root.GetProperty("round_trips").GetInt32();
        Assert.True(rounds > 0, r.Stdout);
        // The server's CPU per round is its process's CPU over the rounds; a client's is the clients' process's over 2 × rounds.
        Assert.Equal(root.GetProperty("server_cpu_seconds").GetDouble() / rounds * 1e3, root.GetProperty("server_cpu_ms_per_round").GetDouble(), 1);
        Assert.True(root.GetProperty("server_cpu_ms_per_round").GetDouble() > 0, r.Stdout);
        Assert.True(root.GetProperty("client_cpu_ms_per_round").GetDouble() > 0, r.Stdout);
        // Part 0 (the first chunk alone) is timed apart, inside its round.
        Assert.InRange(root.GetProperty("ms_last_part_median").GetDouble(), 0.001, root.GetProperty("ms_p90").GetDouble());
        Assert.InRange(root.GetProperty("last_part_floats").GetInt32(), 1, 421_642 / 2);
    }

    [Fact]
    public void Push_pull_bench_with_a_pace_sends_each_part_at_its_share_of_the_round_and_takes_the_server_s_idle_cpu_off()
    {
        var r = Distnn.Run("bench", "--push-pull", "--carrier", "dataplane", "--seconds", "0.5", "--parts", "3", "--clients", "2",
            "--round-ms", "20", "--part-shares", "1,0.5,0.25");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        var root = line.RootElement;
        Assert.Equal(20, root.GetProperty("round_ms").GetDouble());
        int rounds = root.GetProperty("round_trips").GetInt32();
        // A round every 20 ms at most for half a second (a loaded machine may stretch them; the last rounds end the run).
        Assert.InRange(rounds, 1, 0.5 / 0.020 + 2);
        // Part 2 leaves at a quarter of the round and part 0 at its end: every round trip is at least the round's 20 ms.
        Assert.True(root.GetProperty("ms_median").GetDouble() >= 19, r.Stdout);
        Assert.True(root.GetProperty("server_idle_cores").GetDouble() >= 0, r.Stdout);
        Assert.InRange(root.GetProperty("server_cpu_ms_per_round").GetDouble(), 0, root.GetProperty("server_cpu_seconds").GetDouble() / rounds * 1e3 + 1e-3);
    }

    [Theory]
    [InlineData("--clients", "0", "--clients")]
    [InlineData("--clients", "65", "--clients")]
    [InlineData("--clients", "two", "two")]
    [InlineData("--last-part-alone", null, "--last-part-alone")]
    [InlineData("--round-ms", "-1", "--round-ms")]
    [InlineData("--part-shares", "0.5", "--part-shares")]
    public void Push_pull_bench_refuses_clients_a_pace_or_parts_it_cannot_run_naming_the_option(string option, string? value, string named)
    {
        string[] args = ["bench", "--push-pull", "--carrier", "dataplane", "--seconds", "0.3", option, .. value is null ? Array.Empty<string>() : [value]];
        var r = Distnn.Run(args);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(named, r.All);
    }

    [Fact]
    public void Control_plane_bench_counts_the_reports_of_workers_in_a_child_process_and_the_coordinator_side_s_cpu_per_batch()
    {
        var r = Distnn.Run("bench", "--control-plane", "--workers", "3", "--interval-ms", "10", "--seconds", "1");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        Assert.Equal(3, line.RootElement.GetProperty("workers").GetInt32());
        Assert.Equal(1, line.RootElement.GetProperty("processes").GetInt32());
        // Three reports every 10 ms for a second: at most 300 (a loaded machine's timer may tick late), some surely.
        int batches = line.RootElement.GetProperty("batches").GetInt32();
        Assert.InRange(batches, 3, 3 * 110);
        Assert.True(line.RootElement.GetProperty("cpu_seconds").GetDouble() > 0, r.Stdout);
        Assert.True(line.RootElement.GetProperty("us_per_batch_gross").GetDouble() >= line.RootElement.GetProperty("us_per_batch").GetDouble(), r.Stdout);
        // Reported as a remote worker reports: held up to 100 ms for company, so a message carries several batches
        // (a batch every 10 ms: about ten), and the coordinator's cost per batch is that of the real cluster's reports.
        int messages = line.RootElement.GetProperty("messages").GetInt32();
        Assert.True(messages > 0 && batches >= 4 * messages, $"{batches} batches in {messages} messages: reports not grouped as a worker's\n{r.Stdout}");
    }

    [Fact]
    public void Control_plane_bench_with_a_process_per_worker_hears_from_every_process()
    {
        var r = Distnn.Run("bench", "--control-plane", "--process-per-worker", "--workers", "2", "--interval-ms", "10", "--seconds", "1");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        // Reports came from two senders' addresses: two processes, each with its own connection.
        Assert.Equal(2, line.RootElement.GetProperty("processes").GetInt32());
        Assert.InRange(line.RootElement.GetProperty("batches").GetInt32(), 2, 2 * 110);
    }

    [Theory]
    [InlineData("0", "10")]
    [InlineData("2", "0.5")]
    public void Control_plane_bench_refuses_no_workers_or_an_interval_below_a_millisecond(string workers, string interval)
    {
        var r = Distnn.Run("bench", "--control-plane", "--workers", workers, "--interval-ms", interval);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--interval-ms", r.Stderr + r.Stdout);
    }

    [Fact]
    public void Process_per_worker_without_the_control_plane_bench_is_refused_naming_both()
    {
        var r = Distnn.Run("bench", "--push-pull", "--process-per-worker");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--process-per-worker goes with --control-plane", r.Stderr + r.Stdout);
    }

    [Fact]
    public void Gemm_bench_prints_gflops_in_the_reference_shape()
    {
        var r = Distnn.Run("bench", "--gemm", "96", "--threads", "1");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        foreach (var key in new[] { "n", "threads", "gflops_median", "gflops_min", "gflops_max" })
        {
            Assert.True(line.RootElement.TryGetProperty(key, out _), $"gemm bench output lacks {key}: {r.Stdout}");
        }
    }

    [Fact]
    public void Help_lists_the_commands()
    {
        var r = Distnn.Run("--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("train", r.Stdout);
        Assert.Contains("eval", r.Stdout);
        Assert.Contains("bench", r.Stdout);
    }
}
