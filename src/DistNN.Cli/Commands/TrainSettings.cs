using System.ComponentModel;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

public sealed class TrainSettings : CommandSettings
{
    [CommandOption("-m|--model <MODEL>")]
    [Description("A preset (mlp, cnn, rnn, lstm, gru, esn) or a model spec JSON file.")]
    [DefaultValue("mlp")]
    public string Model { get; init; } = "mlp";

    [CommandOption("--dataset <NAME>")]
    [Description("mnist, idx (any folder of MNIST-format IDX files), or mackey-glass (esn only).")]
    [DefaultValue("mnist")]
    public string Dataset { get; init; } = "mnist";

    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the four IDX files (train-images-idx3-ubyte, …; .gz accepted). scripts/fetch-mnist.sh fills data/mnist.")]
    [DefaultValue("data/mnist")]
    public string DataDir { get; init; } = "data/mnist";

    [CommandOption("-e|--epochs <N>")]
    [DefaultValue(5)]
    public int Epochs { get; init; } = 5;

    [CommandOption("-b|--batch-size <B>")]
    [Description("Minibatch size per worker.")]
    [DefaultValue(64)]
    public int BatchSize { get; init; } = 64;

    [CommandOption("--optimizer <NAME>")]
    [Description("sgd, momentum, nesterov, adagrad, rmsprop, adam.")]
    [DefaultValue("adam")]
    public string Optimizer { get; init; } = "adam";

    [CommandOption("--lr <RATE>")]
    [Description("Learning rate.")]
    [DefaultValue(1e-3f)]
    public float LearningRate { get; init; } = 1e-3f;

    [CommandOption("--momentum <M>")]
    [Description("Momentum for sgd/momentum/nesterov (0.9 when the optimizer is momentum or nesterov and this is 0).")]
    [DefaultValue(0f)]
    public float Momentum { get; init; }

    [CommandOption("--l1 <LAMBDA>")]
    [Description("L1 penalty on weights (not biases).")]
    [DefaultValue(0f)]
    public float L1 { get; init; }

    [CommandOption("--l2 <LAMBDA>")]
    [Description("L2 penalty on weights (not biases).")]
    [DefaultValue(0f)]
    public float L2 { get; init; }

    [CommandOption("--schedule <SCHEDULE>")]
    [Description("Learning-rate schedule: constant, cosine, step:FACTOR@EPOCHS.")]
    [DefaultValue("constant")]
    public string Schedule { get; init; } = "constant";

    [CommandOption("--clip-norm <NORM>")]
    [Description("Clip gradients to this global L2 norm; 0 = off. Default: 1.0 for recurrent models (rnn, lstm, gru), off otherwise.")]
    public float? ClipNorm { get; init; }

    [CommandOption("--dropout <P>")]
    [Description("Dropout probability inserted after hidden dense layers of a preset (0 = none).")]
    [DefaultValue(0.0)]
    public double Dropout { get; init; }

    [CommandOption("--augment <SPEC>")]
    [Description("Data expansion per batch, e.g. noise=0.1,rotate=10,shift=2 (off by default).")]
    [DefaultValue("")]
    public string Augment { get; init; } = "";

    [CommandOption("--train-limit <N>")]
    [Description("Train on the first N training samples only (0 = all).")]
    [DefaultValue(0)]
    public int TrainLimit { get; init; }

    [CommandOption("-s|--seed <SEED>")]
    [DefaultValue(1)]
    public int Seed { get; init; } = 1;

    [CommandOption("-t|--threads <T>")]
    [Description("Compute threads in total (0 = all cores).")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    [CommandOption("--save <PATH>")]
    [Description("Save the trained weights as safetensors (the spec goes beside them).")]
    public string? Save { get; init; }

    [CommandOption("--metrics <PATH>")]
    [Description("Append one JSON line per epoch to this file.")]
    public string? Metrics { get; init; }

    [CommandOption("--summary-json <PATH>")]
    [Description("Write the run's summary (accuracy, loss, samples/s, …) as JSON.")]
    public string? SummaryJson { get; init; }

    [CommandOption("--no-progress")]
    [Description("Plain progress lines instead of a progress bar (automatic when output is not a terminal).")]
    public bool NoProgress { get; init; }

    public override Spectre.Console.ValidationResult Validate()
    {
        if (Epochs <= 0)
        {
            return Spectre.Console.ValidationResult.Error($"--epochs must be at least 1 (got {Epochs})");
        }
        if (BatchSize <= 0)
        {
            return Spectre.Console.ValidationResult.Error($"--batch-size must be at least 1 (got {BatchSize})");
        }
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
        {
            return Spectre.Console.ValidationResult.Error($"--lr must be a positive number (got {LearningRate})");
        }
        if (Threads < 0)
        {
            return Spectre.Console.ValidationResult.Error($"--threads must be 0 (all cores) or more (got {Threads})");
        }
        if (Dropout is < 0 or >= 1)
        {
            return Spectre.Console.ValidationResult.Error($"--dropout must be in [0, 1) (got {Dropout})");
        }
        return Spectre.Console.ValidationResult.Success();
    }
}
