using System.Globalization;
using System.Text;
using DistNN.Benchmarking;
using DistNN.Cli.Plotting;
using DistNN.Protocol.Messages;
using DistNN.Training.Plan;
using DistNN.Training.Simulation;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>
/// `distnn simulate`: runs the real coordinator, servers and workers of each combination of the options on a virtual
/// clock (<see cref="ClusterSimulation"/>) and prints one table row per run, as it finishes.
/// </summary>
public sealed class SimulateCommand : AsyncCommand<SimulateSettings>
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public override Task<int> ExecuteAsync(CommandContext context, SimulateSettings settings, CancellationToken cancellationToken)
    {
        var (name, spec) = PlanFactory.ResolveModel(settings.Model);
        int[] workers = SimulateSettings.Counts(settings.Workers, "--workers");
        int[] servers = SimulateSettings.Counts(settings.Servers, "--servers");
        var modes = settings.Mode.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(m => Enum.TryParse<ConsistencyMode>(m, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
                ? mode
                : throw new OptionException($"--mode: '{m}' is not sync, async or ssp")).ToArray();
        var compressions = settings.Compression.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(c => Protocol.Codecs.Compression.Parse(c)).ToArray();
        var stragglers = settings.Stragglers.Length == 0 ? [(0.0, 1.0)] : settings.Stragglers.Select(SimulateSettings.Straggler).ToArray();
        var link = LinkSpec.Parse(settings.Link, settings.Latency);
        var plan = new TrainingPlan
        {
            ModelName = name,
            Model = spec,
            Optimizer = OptimizerSettings.Parse(settings.Optimizer, 0.01f),
            BatchSize = settings.BatchSize,
            Seed = settings.Seed,
            Staleness = settings.Staleness,
            Threads = 1,
            Overlap = settings.Overlap == "on" ? OverlapMode.All : OverlapMode.Off,
        };
        plan.Validate();

        double[] computeSeconds;
        string computeSource;
        if (settings.ComputeMs is string ms)
        {
            computeSeconds = SimulateSettings.Milliseconds(ms);
            computeSource = "given";
        }
        else
        {
            var measured = StepBenchmark.Run(name, spec, settings.BatchSize, settings.Threads, seconds: 3);
            computeSeconds = [measured.MsPerStepMedian / 1e3];
            computeSource = $"measured: median of {measured.StepsTimed} steps, {settings.Threads} thread(s), {measured.Cpu}, {measured.Isa}";
        }
        var (perValue, perUpdate) = settings.ServerNs is string ns ? ServerNs(ns) : ServerCosts.Measure(plan);
        var (workerPerMessage, serverPerMessage) = settings.MessageUs is string mus
            ? Pair(mus, "--message-us", "WORKER,SERVER microseconds per message (e.g. 20,30)", 1e-6) : (0, 0);
        var (workerPerByte, serverPerByte) = settings.MessageNs is string mns ? Pair(mns, "--message-ns", "WORKER,SERVER nanoseconds per byte (e.g. 0.25,0.2)", 1e-9) : (0, 0);
        double serverPerRound = settings.ServerRoundUs is string srus ? Numbers(srus, 1, "--server-round-us", "a number of microseconds ≥ 0 (e.g. 800)")[0] / 1e6 : 0;
        double workerPerRound = settings.WorkerRoundUs is string wrus ? Numbers(wrus, 1, "--worker-round-us", "a number of microseconds ≥ 0 (e.g. 400)")[0] / 1e6 : 0;
        double preemption = settings.PreemptionUs is string pus ? Numbers(pus, 1, "--preemption-us", "a number of microseconds ≥ 0 (e.g. 400)")[0] / 1e6 : 0;
        double controlPerBatch = settings.ControlUs is string cus ? Numbers(cus, 1, "--control-us", "a number of microseconds ≥ 0 (e.g. 900)")[0] / 1e6 : 0;
        (double Coordinator, double Server, double Worker) background = settings.BackgroundCores is string bcs
            ? Numbers(bcs, 3, "--background-cores", "COORDINATOR,SERVER,WORKER cores ≥ 0 (e.g. 0.02,0.01,0.01)") is var c ? (c[0], c[1], c[2]) : default
            : default;
        var model = Nn.Models.ModelBuilder.Build(spec, plan.Seed);
        Console.WriteLine($"model {name} ({model.ParameterCount:N0} parameters), batch {settings.BatchSize}, "
            + $"compute {string.Join(", ", computeSeconds.Select(c => (c * 1e3).ToString("F2", s_invariant)))} ms per batch ({computeSource})");
        Console.WriteLine($"link {settings.Link} ({link}), servers {perValue * 1e9:F3} ns per gradient value + {perUpdate * 1e9:F3} ns per weight updated "
            + $"({(settings.ServerNs is null ? "measured" : "given")}), {settings.Steps} steps per worker, seed {settings.Seed}, "
            + (settings.Cores > 0 ? $"{settings.Cores} cores shared by every node" : "a machine per node"));
        double[]? profile = plan.Overlap == OverlapMode.Off ? null
            : settings.BackwardProfile is string given ? Shares(given)
            : StepBenchmark.BackwardProfile(spec, settings.BatchSize, settings.Threads, seconds: 2);
        Console.WriteLine(profile is null
            ? "overlap off: every push leaves after its batch"
            : $"overlap on: a layer's push part leaves when this share of the batch's compute is done ({(settings.BackwardProfile is null ? "measured" : "given")}, layer 0 first): "
                + string.Join(",", profile.Select(f => f.ToString("F4", s_invariant)))
                + $"; layers with trainable weights (a push part each): {string.Join(",", TrainableLayers(model))}");
        Console.WriteLine(settings.MessageNs is null
            ? "messages: writing and reading them costs no CPU (--message-ns not given)"
            : $"messages: {workerPerByte * 1e9:F4} ns per frame byte on a worker, {serverPerByte * 1e9:F4} on a server (given)"
                + $", and {workerPerMessage * 1e6:F1} µs and {serverPerMessage * 1e6:F1} µs per message");
        Console.WriteLine($"server rounds: {serverPerRound * 1e6:F1} µs of a server's CPU per round beyond its messages and arithmetic"
            + (settings.ServerRoundUs is null ? " (--server-round-us not given)" : " (given)")
            + $"; {workerPerRound * 1e6:F1} µs of a worker's per batch beyond its compute and messages"
            + (settings.WorkerRoundUs is null ? " (--worker-round-us not given)" : " (given)"));
        Console.WriteLine($"control plane: {controlPerBatch * 1e6:F1} µs of the coordinator's CPU per batch"
            + (settings.ControlUs is null ? " (--control-us not given)" : " (given)")
            + $"; background: {background.Coordinator:F4}, {background.Server:F4}, {background.Worker:F4} cores per coordinator, server, worker node"
            + (settings.BackgroundCores is null ? " (--background-cores not given)" : " (given)")
            + $"; preemption: {preemption * 1e6:F1} µs of a worker's compute per preemption"
            + (settings.PreemptionUs is null ? " (--preemption-us not given)" : " (given)"));

        var header = new[] { "mode", "compression", "stragglers", "servers", "workers", "samples/s", "ms/step", "efficiency", "push_kB", "wall_s" };
        Console.WriteLine(string.Join("  ", header.Select((h, i) => h.PadLeft(Width(i)))));
        var csv = new StringBuilder(string.Join(",", header) + "\n");
        var series = new List<SimulationSeries>();
        foreach (var (fraction, factor) in stragglers)
        {
            foreach (var mode in modes)
            {
                foreach (var compression in compressions)
                {
                    foreach (int m in servers)
                    {
                        var points = new List<(int, double, double)>();
                        string straggling = fraction == 0 ? "none" : $"{fraction.ToString("G4", s_invariant)},{factor.ToString("G4", s_invariant)}";
                        foreach (int n in workers)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            var result = ClusterSimulation.Run(new SimulationOptions
                            {
                                Plan = plan with { Workers = n, Servers = m, Mode = mode, Compression = compression },
                                ComputeSeconds = computeSeconds,
                                Link = link,
                                Steps = settings.Steps,
                                StragglerFraction = fraction,
                                StragglerFactor = factor,
                                ServerSecondsPerValue = perValue,
                                ServerSecondsPerUpdate = perUpdate,
                                WorkerSecondsPerByte = workerPerByte,
                                ServerSecondsPerByte = serverPerByte,
                                WorkerSecondsPerMessage = workerPerMessage,
                                ServerSecondsPerMessage = serverPerMessage,
                                ServerSecondsPerRound = serverPerRound,
                                WorkerSecondsPerRound = workerPerRound,
                                Cores = settings.Cores,
                                BackwardProfile = profile,
                                ControlSecondsPerBatch = controlPerBatch,
                                BackgroundCores = background,
                                PreemptionSeconds = preemption,
                            });
                            var pushes = result.Messages["PushGradients"];
                            string[] row =
                            [
                                mode.ToString().ToLowerInvariant(), compression.ToString(), straggling, m.ToString(s_invariant), n.ToString(s_invariant),
                                result.SamplesPerSecond.ToString("F0", s_invariant), (result.StepSeconds * 1e3).ToString("F2", s_invariant),
                                result.ScalingEfficiency.ToString("F3", s_invariant), (pushes.Bytes / 1e3 / pushes.Count).ToString("F1", s_invariant),
                                result.WallSeconds.ToString("F1", s_invariant),
                            ];
                            Console.WriteLine(string.Join("  ", row.Select((c, i) => c.PadLeft(Width(i)))));
                            csv.Append(string.Join(",", row.Select(c => c.Contains(',') ? $"\"{c}\"" : c))).Append('\n');
                            points.Add((n, result.SamplesPerSecond, result.StepSeconds * 1e3));
                            if (settings.NodeCpu)
                            {
                                Console.WriteLine("  cpu per step (ms): " + string.Join(", ", result.NodeCpuSeconds.Select(c =>
                                    $"{c.Key} {(c.Value / settings.Steps * 1e3).ToString("F2", s_invariant)}")));
                                Console.WriteLine("  compute+wait per batch (ms): " + string.Join(", ", result.WorkerTimelines.Select(t =>
                                    $"{t.Key} {(t.Value.ComputePerBatch * 1e3).ToString("F2", s_invariant)}+{(t.Value.WaitPerBatch * 1e3).ToString("F2", s_invariant)}")));
                                if (settings.Cores > 0)
                                {
                                    Console.WriteLine("  preemptions per batch (expected): " + string.Join(", ", result.WorkerTimelines.Select(t =>
                                        $"{t.Key} {(result.Preemptions.GetValueOrDefault(t.Key) / Math.Max(1, t.Value.Batches)).ToString("F3", s_invariant)}")));
                                }
                            }
                        }
                        series.Add(new SimulationSeries(Label(mode, compression, fraction, factor, m, servers.Length > 1 || m > 1), points));
                    }
                }
            }
        }
        if (settings.Csv is string csvPath)
        {
            File.WriteAllText(csvPath, csv.ToString());
        }
        if (settings.Plot is string png)
        {
            SimulationPlot.Save(png, series, settings.BatchSize / computeSeconds.Average());
            Console.WriteLine($"plot: {png}");
        }
        return Task.FromResult(0);
    }

    private static int Width(int column) => column switch
    {
        0 => 5,
        1 => 11,
        2 => 10,
        _ => 9,
    };

    private static string Label(ConsistencyMode mode, Protocol.Codecs.Compression compression, double fraction, double factor, int servers, bool showServers)
    {
        var label = new StringBuilder(mode.ToString().ToLowerInvariant());
        if (compression.Encoding != Protocol.Codecs.TensorEncoding.None)
        {
            label.Append(' ').Append(compression);
        }
        if (fraction > 0)
        {
            label.Append(CultureInfo.InvariantCulture, $" {fraction * 100:G3}% stragglers ×{factor:G3}");
        }
        if (showServers)
        {
            label.Append(CultureInfo.InvariantCulture, $" {servers} ps");
        }
        return label.ToString();
    }

    /// <summary>Shares of a batch's compute, comma-separated, each in [0, 1]; else an error naming the option.</summary>
    /// <summary>The indexes of the model's layers that hold trainable weights: an overlapped worker pushes one part per such layer.</summary>
    private static IEnumerable<int> TrainableLayers(Nn.Models.Sequential model) =>
        model.Layers.Select((l, i) => (l, i)).Where(x => x.l.Parameters.Any(p => !p.IsState)).Select(x => x.i);

    private static double[] Shares(string text) => text.Split(',', StringSplitOptions.TrimEntries).Select(part =>
        double.TryParse(part, NumberStyles.Float, s_invariant, out double f) && f >= 0 && f <= 1
            ? f
            : throw new OptionException($"--backward-profile: '{part}' is not a share of the compute in [0, 1] (give one per layer, e.g. 1,0.94,0.4)")).ToArray();

    private static (double, double) ServerNs(string text) => Pair(text, "--server-ns", "ADD,UPDATE nanoseconds (e.g. 0.3,0.5)", 1e-9);

    /// <summary>Two numbers as <see cref="Numbers"/> reads them, times <paramref name="unit"/> (in seconds).</summary>
    private static (double, double) Pair(string text, string option, string what, double unit) =>
        Numbers(text, 2, option, what) is var n ? (n[0] * unit, n[1] * unit) : default;

    /// <summary><paramref name="count"/> finite, non-negative numbers, comma-separated; else an error naming the option.</summary>
    private static double[] Numbers(string text, int count, string option, string what)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var numbers = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, s_invariant, out numbers[i]) || !(numbers[i] >= 0) || double.IsInfinity(numbers[i]))
            {
                throw new OptionException($"{option}: '{text}' is not {what}");
            }
        }
        return parts.Length == count ? numbers : throw new OptionException($"{option}: '{text}' is not {what}");
    }
}
