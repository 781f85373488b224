using System.ComponentModel;
using System.Globalization;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>`distnn simulate`: every list option runs each of its values; the table has one row per combination.</summary>
public sealed class SimulateSettings : CommandSettings
{
    [CommandOption("-w|--workers <LIST>")]
    [Description("Worker counts, comma-separated (e.g. 1,2,4,…,256).")]
    [DefaultValue("1,2,4,8,16,32,64")]
    public string Workers { get; init; } = "1,2,4,8,16,32,64";

    [CommandOption("--servers <LIST>")]
    [Description("Parameter-server counts, comma-separated; each server a node of its own.")]
    [DefaultValue("1")]
    public string Servers { get; init; } = "1";

    [CommandOption("-m|--model <MODEL>")]
    [Description("A preset (mlp, cnn, rnn, lstm, gru) or a model spec JSON file: its real parameter chunks go on the simulated wire.")]
    [DefaultValue("cnn")]
    public string Model { get; init; } = "cnn";

    [CommandOption("-b|--batch-size <B>")]
    [Description("Minibatch size per worker.")]
    [DefaultValue(32)]
    public int BatchSize { get; init; } = 32;

    [CommandOption("--link <RATE>")]
    [Description("Each node's link: a line rate (10gbit, 100mbit; the payload gets 1448/1538 of it) or payload bytes per second (2.5GB/s).")]
    [DefaultValue("10gbit")]
    public string Link { get; init; } = "10gbit";

    [CommandOption("--latency <TIME>")]
    [Description("One-way latency of every message (0.2ms, 50us).")]
    [DefaultValue("0.2ms")]
    public string Latency { get; init; } = "0.2ms";

    [CommandOption("--mode <LIST>")]
    [Description("sync, async, ssp, comma-separated.")]
    [DefaultValue("sync")]
    public string Mode { get; init; } = "sync";

    [CommandOption("--staleness <S>")]
    [Description("With ssp: how many pushes a worker may run ahead of the slowest.")]
    [DefaultValue(2)]
    public int Staleness { get; init; } = 2;

    [CommandOption("--compression <LIST>")]
    [Description("none, fp16, int8, topk:<fraction>, comma-separated.")]
    [DefaultValue("none")]
    public string Compression { get; init; } = "none";

    [CommandOption("--stragglers <P,F>")]
    [Description("A fraction P of batches (drawn per batch from the seed) takes F times the compute time, e.g. 0.05,3; repeat the option to compare (none: no stragglers).")]
    public string[] Stragglers { get; init; } = [];

    [CommandOption("--steps <S>")]
    [Description("Batches per worker (sync rounds) in each simulated run.")]
    [DefaultValue(10)]
    public int Steps { get; init; } = 10;

    [CommandOption("--compute-ms <MS>")]
    [Description("A worker's forward + backward per batch; a list (40,55) gives worker i entry i modulo its length. Default: measured now on this machine (--threads threads, 3 s).")]
    public string? ComputeMs { get; init; }

    [CommandOption("-t|--threads <T>")]
    [Description("Compute threads of one worker when its compute time is measured.")]
    [DefaultValue(1)]
    public int Threads { get; init; } = 1;

    [CommandOption("--server-ns <ADD,UPDATE>")]
    [Description("A server's nanoseconds per gradient value received and per weight updated; default: measured now with the plan's optimizer.")]
    public string? ServerNs { get; init; }

    [CommandOption("--message-ns <WORKER,SERVER>")]
    [Description("CPU nanoseconds per frame byte a worker and a server spend writing or reading a message (encoding, the socket, decoding), charged to that node; e.g. measured with `distnn bench --push-pull`. Default: 0,0 (not charged).")]
    public string? MessageNs { get; init; }

    [CommandOption("--message-us <WORKER,SERVER>")]
    [Description("CPU microseconds per message a worker and a server spend writing or reading it besides its bytes (--message-ns), charged to that node; e.g. from two `distnn bench --push-pull` runs of different push sizes. Default: 0,0 (not charged).")]
    public string? MessageUs { get; init; }

    [CommandOption("--server-round-us <US>")]
    [Description("A server's CPU microseconds per sync round (per apply of its chunks; a push in async and ssp) beyond --server-ns and --message-ns/--message-us: the rounds' bookkeeping, the parts' dispatch and leases; charged with the optimizer's update, an equal share per chunk; e.g. `distnn bench --push-pull --clients K --parts P`'s server CPU per round less what the other inputs charge for it. Default: 0 (not charged).")]
    public string? ServerRoundUs { get; init; }

    [CommandOption("--worker-round-us <US>")]
    [Description("A worker's CPU microseconds per batch beyond its compute and --message-ns/--message-us (its runtime's threads handling the parts and replies), charged to its receiving side as the batch starts, beside the compute; e.g. a client's CPU per round of `distnn bench --push-pull --clients K` less its messages' charge. Default: 0 (not charged).")]
    public string? WorkerRoundUs { get; init; }

    [CommandOption("--control-us <US>")]
    [Description("The coordinator's CPU microseconds per batch (taking in a worker's BatchDone over Akka.Remote, progress and metrics), charged to the coordinator node; e.g. measured with `distnn bench --control-plane`. Default: 0 (not charged).")]
    public string? ControlUs { get; init; }

    [CommandOption("--background-cores <C,S,W>")]
    [Description("With --cores: the cores a coordinator, a server and a worker node each use on their own all along (runtime timers, heartbeats, gossip, GC), taken from the shared cores; e.g. measured on an idle loopback cluster from /proc. Default: 0,0,0 (not charged).")]
    public string? BackgroundCores { get; init; }

    [CommandOption("--preemption-us <US>")]
    [Description("With --cores: the CPU microseconds a worker's compute pays each time another thread (a message read or written, a server's update, the coordinator's report) wakes up on a core it runs on: its caches refilled. A wake-up while k workers compute on C cores preempts one with probability min(1, k / C). E.g. a real 1-worker cluster's compute thread less a step bench's CPU per batch, over the preemptions per batch the same run's simulation counts (--node-cpu prints them). Default: 0 (not charged).")]
    public string? PreemptionUs { get; init; }

    [CommandOption("--node-cpu")]
    [Description("After each run's row, print the CPU charged to each node per step (ms: compute, messages, control, server work) and each worker's compute + wait per batch on the virtual clock, as a real worker reports them.")]
    public bool NodeCpu { get; init; }

    [CommandOption("--overlap <on|off>")]
    [Description("on (as train's default): each worker's push goes in parts, a layer's part as soon as the backward pass has finished that layer, at the shares of the batch's compute measured now on this model (the step bench's backward profile); off: one push after the batch.")]
    [DefaultValue("on")]
    public string Overlap { get; init; } = "on";

    [CommandOption("--backward-profile <LIST>")]
    [Description("With --overlap on: for each layer of the model (layer 0 first), the share of a batch's compute done when its gradients are final, instead of measuring it (e.g. what an earlier run printed).")]
    public string? BackwardProfile { get; init; }

    [CommandOption("--cores <C>")]
    [Description("Cores all nodes share, as the processes of a cluster on one machine do: a node's compute and a server's work go at min(1, C / nodes working) of full speed. 0: every node is a machine of its own.")]
    [DefaultValue(0)]
    public int Cores { get; init; }

    [CommandOption("--optimizer <NAME>")]
    [Description("The servers' optimizer: sgd, momentum, nesterov, adagrad, rmsprop, adam.")]
    [DefaultValue("sgd")]
    public string Optimizer { get; init; } = "sgd";

    [CommandOption("--seed <N>")]
    [Description("Seed of the model and of the straggler draws: the same seed and options give the same table.")]
    [DefaultValue(1)]
    public int Seed { get; init; } = 1;

    [CommandOption("--plot <PNG>")]
    [Description("Draw samples/s and time per step against workers, a line per mode, compression, stragglers and servers.")]
    public string? Plot { get; init; }

    [CommandOption("--csv <FILE>")]
    [Description("Also write the table as CSV.")]
    public string? Csv { get; init; }

    /// <summary>A comma-separated list of positive integers, or an error naming the option.</summary>
    internal static int[] Counts(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var counts = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out counts[i]) || counts[i] <= 0)
            {
                throw new OptionException($"{option}: '{parts[i]}' is not a positive whole number (give a list such as 1,2,4)");
            }
        }
        return counts.Length > 0 ? counts : throw new OptionException($"{option}: give at least one number");
    }

    /// <summary>Milliseconds per batch, comma-separated, each positive: in seconds.</summary>
    internal static double[] Milliseconds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var seconds = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double ms) || !(ms > 0) || double.IsInfinity(ms))
            {
                throw new OptionException($"--compute-ms: '{parts[i]}' is not a positive number of milliseconds (e.g. 40 or 40,55)");
            }
            seconds[i] = ms / 1e3;
        }
        return seconds.Length > 0 ? seconds : throw new OptionException("--compute-ms: give at least one number");
    }

    /// <summary>"none" or "P,F": the fraction of straggling batches and their slowdown.</summary>
    internal static (double Fraction, double Factor) Straggler(string text)
    {
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return (0, 1);
        }
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double p)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double f) || !(p >= 0 && p <= 1) || !(f >= 1))
        {
            throw new OptionException($"--stragglers: '{text}' is not P,F with P a fraction in [0, 1] and F ≥ 1 (e.g. 0.05,3) or none");
        }
        return (p, f);
    }

    public override Spectre.Console.ValidationResult Validate() =>
        Overlap is not ("on" or "off")
            ? Spectre.Console.ValidationResult.Error($"--overlap must be on or off (got '{Overlap}')")
            : BatchSize <= 0 || Steps <= 0 || Threads <= 0 || Staleness < 0 || Cores < 0
            ? Spectre.Console.ValidationResult.Error("--batch-size, --steps and --threads must be positive, --staleness and --cores not negative")
            : Spectre.Console.ValidationResult.Success();
}
