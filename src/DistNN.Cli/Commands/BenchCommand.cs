using DistNN.Protocol.Messages;
using System.ComponentModel;
using System.Text.Json;
using DistNN.Benchmarking;
using DistNN.Cli.Output;
using DistNN.Tensors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

public sealed class BenchSettings : CommandSettings
{
    [CommandOption("-m|--model <MODEL>")]
    [Description("Time training steps of this model (mlp, cnn, rnn, lstm, gru or a spec file) on random MNIST-shaped data, as bench/pytorch/bench_models.py does.")]
    public string? Model { get; init; }

    [CommandOption("--gemm <N>")]
    [Description("Instead, measure n×n single-precision GEMM in GFLOP/s, as gemm_ref.py does.")]
    public int? Gemm { get; init; }

    [CommandOption("--gemm-against <DLL>")]
    [Description("With --gemm: also run another build's GEMM (its DistNN.Tensors.dll, or the bin folder holding it) in this process, alternating sample by sample, and print both and the ratio this/other of each pair. For \"nothing got slower\" checks.")]
    public string? GemmAgainst { get; init; }

    [CommandOption("--isa <ISA>")]
    [Description("The kernels to run: avx512, avx2, vector128, scalar or auto (the widest this CPU runs, the default; DISTNN_ISA sets it for every command). Refused when the CPU lacks it.")]
    public string? Isa { get; init; }

    [CommandOption("--actors")]
    [Description("Also train the model through the actors (coordinator, parameter servers, workers in one process) and print both throughputs and their ratio.")]
    public bool Actors { get; init; }

    [CommandOption("-w|--workers <N>")]
    [Description("With --actors: worker actors (they share --threads). With --control-plane: workers reporting each batch.")]
    [DefaultValue(1)]
    public int Workers { get; init; } = 1;

    [CommandOption("--servers <M>")]
    [Description("With --actors: parameter-server actors.")]
    [DefaultValue(1)]
    public int Servers { get; init; } = 1;

    [CommandOption("--push-pull")]
    [Description("Instead, time push-pull round trips of the cnn's size (421,642 floats, 1.69 MB each way) between two nodes on loopback, the parameter server in a child process.")]
    public bool PushPull { get; init; }

    [CommandOption("--carrier <CARRIER>")]
    [Description("With --push-pull: dataplane (TCP frames) or remote (Akka.Remote in chunks).")]
    [DefaultValue("dataplane")]
    public string Carrier { get; init; } = "dataplane";

    [CommandOption("--chunk-bytes <BYTES>")]
    [Description("With --push-pull --carrier remote: largest piece of a message over Akka.Remote.")]
    [DefaultValue(65536)]
    public int ChunkBytes { get; init; } = 64 * 1024;

    [CommandOption("--no-akka-batching")]
    [Description("With --push-pull: turn off Akka.Remote's write batching (akka.remote.dot-netty.tcp.batching.enabled = false) on both nodes.")]
    public bool NoAkkaBatching { get; init; }

    [CommandOption("--akka-config <HOCON>")]
    [Description("With --push-pull: extra HOCON for both nodes, e.g. \"akka.remote.backoff-interval = 2 ms\".")]
    [DefaultValue("")]
    public string AkkaConfig { get; init; } = "";

    [CommandOption("--compression <C>")]
    [Description("With --push-pull: push the gradient compressed (none, fp16, int8, topk:<fraction>) and count its bytes on the wire.")]
    [DefaultValue("none")]
    public string Compression { get; init; } = "none";

    [CommandOption("--parts <N>")]
    [Description("With --push-pull: each push in N parts (the model's chunks in N consecutive groups), sent at once and each answered, as a worker that overlaps its pushes with the backward pass sends a part per layer.")]
    [DefaultValue(1)]
    public int Parts { get; init; } = 1;

    [CommandOption("--clients <K>")]
    [Description("With --push-pull: K clients (ActorSystems of this process, a connection each) push every round and the server runs sync rounds of the K, answering each chunk once all K pushes have it, as a sync cluster's ps does; prints the server's CPU per round and one client's. Not given: one client, the server async.")]
    public int? Clients { get; init; }

    [CommandOption("--last-part-alone")]
    [Description("With --push-pull --parts N (N ≥ 2): each round sends part 0 only once the other parts are answered, and times its round trip apart (ms_last_part_*), as the last part of an overlapped worker's push goes.")]
    public bool LastPartAlone { get; init; }

    [CommandOption("--round-ms <MS>")]
    [Description("With --push-pull: each client starts a round at most every MS ms, idle in between as a worker computing its batch is (e.g. the step time of the run to mimic); the server's and the clients' idle CPU are measured for 2 s first and taken off their CPU per round. Default: 0 (rounds back to back).")]
    [DefaultValue(0.0)]
    public double RoundMs { get; init; }

    [CommandOption("--part-shares <LIST>")]
    [Description("With --push-pull --round-ms and --parts N: N shares in [0, 1], part p leaving share p × the round's ms after its round began (e.g. the backward profile of the layers the parts hold, part 0 the first layer's). Default: every part at the round's start.")]
    public string? PartShares { get; init; }

    [CommandOption("--one-process")]
    [Description("With --push-pull: both nodes as two ActorSystems in this process (no server CPU figure).")]
    public bool OneProcess { get; init; }

    [CommandOption("--tls")]
    [Description("With --push-pull --carrier dataplane: alternate --rounds of --seconds each without and with mutual TLS on the data plane (temporary certificates), a line per round and one comparing them.")]
    public bool Tls { get; init; }

    [CommandOption("--rounds <R>")]
    [Description("With --push-pull --tls: rounds of each, alternating.")]
    [DefaultValue(3)]
    public int Rounds { get; init; } = 3;

    [CommandOption("--tls-dir <DIR>", IsHidden = true)]
    [Description("The server side of --push-pull --tls: the folder of the temporary certificates.")]
    public string? TlsDir { get; init; }

    [CommandOption("--control-plane")]
    [Description("Instead, measure the coordinator's CPU per batch: --workers workers in a child process each send a BatchDone every --interval-ms over Akka.Remote to this process; its CPU less its idle CPU, per batch.")]
    public bool ControlPlane { get; init; }

    [CommandOption("--process-per-worker")]
    [Description("With --control-plane: each worker in a child process of its own (its own Akka.Remote connection, as the real run's worker nodes), not all in one.")]
    public bool ProcessPerWorker { get; init; }

    [CommandOption("--interval-ms <MS>")]
    [Description("With --control-plane: the time between a worker's reports (a step of the run to mimic).")]
    [DefaultValue(20.0)]
    public double IntervalMs { get; init; } = 20.0;

    [CommandOption("--control-plane-workers <PATH>", IsHidden = true)]
    [Description("The workers' side of --control-plane (started by it as a child process): the coordinator actor's path.")]
    public string? ControlPlaneWorkers { get; init; }

    [CommandOption("--push-pull-server", IsHidden = true)]
    [Description("The server side of --push-pull (started by it as a child process).")]
    public bool PushPullServer { get; init; }

    [CommandOption("--wire-bytes")]
    [Description("Instead, print the bytes one push of the model's gradient takes in the tensor codec for none, fp16, int8 and topk:0.01.")]
    public bool WireBytes { get; init; }

    [CommandOption("-b|--batch <B>")]
    [DefaultValue(64)]
    public int Batch { get; init; } = 64;

    [CommandOption("-t|--threads <T>")]
    [DefaultValue(1)]
    public int Threads { get; init; } = 1;

    [CommandOption("--fresh-weights")]
    [Description("The step bench: before each step another thread copies the weights into new arrays that the model then uses, as a worker takes a server's reply (its compute thread's CPU: ms_thread_cpu_per_step).")]
    public bool FreshWeights { get; init; }

    [CommandOption("--seconds <S>")]
    [Description("Seconds of timed steps after a warm-up of at least one second.")]
    [DefaultValue(5.0)]
    public double Seconds { get; init; } = 5.0;

    /// <summary>--part-shares as numbers, or null when one is not a number in [0, 1].</summary>
    internal double[]? PartShareList()
    {
        var shares = (PartShares ?? "").Split(',', StringSplitOptions.TrimEntries)
            .Select(t => double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double f) && f >= 0 && f <= 1 ? f : double.NaN)
            .ToArray();
        return shares.Any(double.IsNaN) ? null : shares;
    }

    public override Spectre.Console.ValidationResult Validate()
    {
        if ((Model is null ? 0 : 1) + (Gemm is null ? 0 : 1) + (PushPull || PushPullServer ? 1 : 0) + (ControlPlane || ControlPlaneWorkers is not null ? 1 : 0) != 1)
        {
            return Spectre.Console.ValidationResult.Error("give exactly one of --model, --gemm, --push-pull or --control-plane");
        }
        if ((ControlPlane || ControlPlaneWorkers is not null) && (Workers <= 0 || !(IntervalMs >= 1) || double.IsInfinity(IntervalMs)))
        {
            return Spectre.Console.ValidationResult.Error($"--control-plane: --workers must be positive and --interval-ms at least 1 (got {Workers}, {IntervalMs})");
        }
        if ((PushPull || PushPullServer) && (!Enum.TryParse<Protocol.Messages.TensorCarrierKind>(Carrier, ignoreCase: true, out _)
            || Carrier.Equals("local", StringComparison.OrdinalIgnoreCase) || ChunkBytes < 1024))
        {
            return Spectre.Console.ValidationResult.Error("--carrier is dataplane or remote; --chunk-bytes at least 1024");
        }
        if (Tls && (!PushPull || OneProcess || !Carrier.Equals("dataplane", StringComparison.OrdinalIgnoreCase) || Rounds <= 0))
        {
            return Spectre.Console.ValidationResult.Error("--tls goes with --push-pull --carrier dataplane (two processes) and --rounds of at least 1");
        }
        if (Parts < 1)
        {
            return Spectre.Console.ValidationResult.Error($"--parts: at least 1 (got {Parts})");
        }
        if (Clients is { } clients && (clients < 1 || clients > 64))
        {
            return Spectre.Console.ValidationResult.Error($"--clients: from 1 to 64 (got {clients})");
        }
        if ((Clients is not null || LastPartAlone) && !(PushPull || PushPullServer))
        {
            return Spectre.Console.ValidationResult.Error("--clients and --last-part-alone go with --push-pull");
        }
        if (Clients is not null && Tls)
        {
            return Spectre.Console.ValidationResult.Error("--clients does not go with --tls");
        }
        if (!(RoundMs >= 0) || double.IsInfinity(RoundMs) || RoundMs > 10_000)
        {
            return Spectre.Console.ValidationResult.Error($"--round-ms: from 0 to 10000 ms (got {RoundMs})");
        }
        if (RoundMs > 0 && !PushPull)
        {
            return Spectre.Console.ValidationResult.Error("--round-ms goes with --push-pull");
        }
        if (PartShares is not null && (!(RoundMs > 0) || PartShareList() is not { } shares || shares.Length != Parts))
        {
            return Spectre.Console.ValidationResult.Error($"--part-shares: one share in [0, 1] per part ({Parts}), with --round-ms (got '{PartShares}')");
        }
        if (ProcessPerWorker && !ControlPlane)
        {
            return Spectre.Console.ValidationResult.Error("--process-per-worker goes with --control-plane");
        }
        if (LastPartAlone && Parts < 2)
        {
            return Spectre.Console.ValidationResult.Error($"--last-part-alone: needs --parts of at least 2 (got {Parts})");
        }
        if (GemmAgainst is not null && Gemm is null)
        {
            return Spectre.Console.ValidationResult.Error("--gemm-against goes with --gemm");
        }
        if (Threads <= 0 || Batch <= 0 || !(Seconds > 0) || Gemm is <= 0)
        {
            return Spectre.Console.ValidationResult.Error("--threads, --batch, --seconds and --gemm must be positive");
        }
        if (Isa is not null)
        {
            try
            {
                CpuKernels.Require(CpuKernels.Parse(Isa));
            }
            catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException)
            {
                return Spectre.Console.ValidationResult.Error($"--isa {Isa}: {e.Message}");
            }
        }
        return Spectre.Console.ValidationResult.Success();
    }
}

/// <summary>`distnn bench`: one JSON line in the shape of the shared PyTorch reference scripts.</summary>
public sealed class BenchCommand : AsyncCommand<BenchSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, BenchSettings settings, CancellationToken cancellationToken)
    {
        if (settings.PushPullServer)
        {
            return await PushPullBench.ServeAsync(settings);
        }
        if (settings.ControlPlaneWorkers is string coordinator)
        {
            return await ControlPlaneBench.ServeWorkersAsync(coordinator, settings);
        }
        if (settings.Isa is not null)
        {
            CpuKernels.SetDefault(CpuKernels.Parse(settings.Isa));
        }
        // Standard output carries the JSON result alone (scripts parse it): whatever the measurement prints on the way,
        // such as Akka's log lines from the ActorSystems of the push-pull and actor benches, goes to standard error.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        object result;
        try
        {
            result = await MeasureAsync(settings);
        }
        finally
        {
            Console.SetOut(stdout);
        }
        // --wire-bytes measures several compressions: a line each.
        foreach (var line in result is System.Collections.IList lines ? lines.Cast<object>() : [result])
        {
            Console.WriteLine(JsonSerializer.Serialize(line, line.GetType(), JsonFiles.Line));
        }
        return 0;
    }

    /// <summary>The measurement the options ask for: one result, or a list of them (--wire-bytes).</summary>
    private static async Task<object> MeasureAsync(BenchSettings settings)
    {
        object result;
        if (settings.PushPull && settings.Tls)
        {
            return await PushPullBench.CompareTlsAsync(settings);
        }
        if (settings.PushPull)
        {
            result = await PushPullBench.RunAsync(settings);
        }
        else if (settings.ControlPlane)
        {
            result = await ControlPlaneBench.RunAsync(settings);
        }
        else if (settings.Gemm is int size && settings.GemmAgainst is string other)
        {
            result = GemmAgainstBuild.Run(size, settings.Threads, other);
        }
        else if (settings.Gemm is int n)
        {
            result = GemmBenchmark.Run(n, settings.Threads);
        }
        else if (settings.WireBytes)
        {
            var (name, spec) = PlanFactory.ResolveModel(settings.Model!);
            return Benchmarking.WireBytes.Measure(name, spec, settings.Batch, ["none", "fp16", "int8", "topk:0.01"]).ToList();
        }
        else if (settings.Actors)
        {
            var (name, spec) = PlanFactory.ResolveModel(settings.Model!);
            result = await ActorBenchmark.RunAsync(name, spec, settings.Batch, settings.Threads, settings.Seconds, settings.Workers, settings.Servers);
        }
        else
        {
            var (name, spec) = PlanFactory.ResolveModel(settings.Model!);
            result = StepBenchmark.Run(name, spec, settings.Batch, settings.Threads, settings.Seconds, freshWeights: settings.FreshWeights);
        }
        return result;
    }
}
