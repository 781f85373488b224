using System.ComponentModel;
using System.Text.Json;
using DistNN.Cli.Output;
using DistNN.Tensors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

public sealed class BenchSettings : CommandSettings
{
    [CommandOption("-m|--model <MODEL>")]
    [Description("Time training steps of this model (mlp, cnn, rnn, lstm, gru or a spec file) on random MNIST-shaped data, as ../shared/bench/bench_models.py does.")]
    public string? Model { get; init; }

    [CommandOption("--gemm <N>")]
    [Description("Instead, measure n×n single-precision GEMM in GFLOP/s, as gemm_ref.py does.")]
    public int? Gemm { get; init; }

    [CommandOption("--actors")]
    [Description("Also train the model through the actors (coordinator, parameter servers, workers in one process) and print both throughputs and their ratio.")]
    public bool Actors { get; init; }

    [CommandOption("-w|--workers <N>")]
    [Description("With --actors: worker actors (they share --threads).")]
    [DefaultValue(1)]
    public int Workers { get; init; } = 1;

    [CommandOption("--servers <M>")]
    [Description("With --actors: parameter-server actors.")]
    [DefaultValue(1)]
    public int Servers { get; init; } = 1;

    [CommandOption("-b|--batch <B>")]
    [DefaultValue(64)]
    public int Batch { get; init; } = 64;

    [CommandOption("-t|--threads <T>")]
    [DefaultValue(1)]
    public int Threads { get; init; } = 1;

    [CommandOption("--seconds <S>")]
    [Description("Seconds of timed steps after a warm-up of at least one second.")]
    [DefaultValue(5.0)]
    public double Seconds { get; init; } = 5.0;

    public override Spectre.Console.ValidationResult Validate()
    {
        if ((Model is null) == (Gemm is null))
        {
            return Spectre.Console.ValidationResult.Error("give exactly one of --model or --gemm");
        }
        if (Threads <= 0 || Batch <= 0 || !(Seconds > 0) || Gemm is <= 0)
        {
            return Spectre.Console.ValidationResult.Error("--threads, --batch, --seconds and --gemm must be positive");
        }
        return Spectre.Console.ValidationResult.Success();
    }
}

/// <summary>`distnn bench`: one JSON line in the shape of the shared PyTorch reference scripts.</summary>
public sealed class BenchCommand : Command<BenchSettings>
{
    public override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellationToken)
    {
        object result;
        if (settings.Gemm is int n)
        {
            result = GemmBenchmark.Run(n, settings.Threads);
        }
        else if (settings.Actors)
        {
            var (name, spec) = PlanFactory.ResolveModel(settings.Model!);
            result = ActorBenchmark.RunAsync(name, spec, settings.Batch, settings.Threads, settings.Seconds, settings.Workers, settings.Servers)
                .GetAwaiter().GetResult();
        }
        else
        {
            var (name, spec) = PlanFactory.ResolveModel(settings.Model!);
            result = StepBenchmark.Run(name, spec, settings.Batch, settings.Threads, settings.Seconds);
        }
        Console.WriteLine(JsonSerializer.Serialize(result, result.GetType(), JsonFiles.Line));
        return 0;
    }
}
