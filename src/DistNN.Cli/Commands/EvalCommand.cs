using System.ComponentModel;
using DistNN.Nn.Models;
using DistNN.Tensors;
using DistNN.Training.Configuration;
using DistNN.Training.Engine;
using DistNN.Training.Plan;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

public sealed class EvalSettings : CommandSettings
{
    [CommandOption("--model-file <PATH>")]
    [Description("Weights saved by `distnn train --save` (safetensors; the spec is read from beside them).")]
    public string ModelFile { get; init; } = "";

    [CommandOption("--dataset <NAME>")]
    [DefaultValue("mnist")]
    public string Dataset { get; init; } = "mnist";

    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the test set's IDX files. Default: distnn.data-dir of reference.conf.")]
    public string? DataDir { get; init; }

    [CommandOption("--verbose")]
    [Description("On an error, print the exception's stack trace after its one-line message.")]
    public bool Verbose { get; init; }

    [CommandOption("-t|--threads <T>")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(ModelFile)
            ? Spectre.Console.ValidationResult.Error("--model-file is required")
            : Spectre.Console.ValidationResult.Success();
}

/// <summary>`distnn eval`: load weights and spec, print test accuracy.</summary>
public sealed class EvalCommand : AsyncCommand<EvalSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, EvalSettings settings, CancellationToken cancellationToken)
    {
        ComputeThreads.Current = settings.Threads;
        var (spec, model) = ModelStore.Load(settings.ModelFile);
        var plan = new TrainingPlan { Model = spec, Dataset = settings.Dataset, DataDir = settings.DataDir ?? DistNNSettings.Reference.DataDir };
        var (_, test) = DataSets.Load(plan);
        var result = new Evaluator().Run(model, ModelBuilder.CreateLoss(spec.Loss), test);
        Console.WriteLine($"test accuracy {result.Accuracy * 100:F2} % ({result.Samples} samples), test loss {result.Loss:F4}");
        return Task.FromResult(0);
    }
}
