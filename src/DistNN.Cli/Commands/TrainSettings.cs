using System.ComponentModel;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>The options that make a <see cref="Training.Plan.TrainingPlan"/>: `distnn train` and the coordinator of `distnn node` share them.</summary>
public abstract partial class PlanSettings : CommandSettings
{
    /// <summary>The plan's random seed (`--seed` of train; `--random-seed` of node, whose `--seed` names seed nodes).</summary>
    public abstract int RandomSeed { get; }

    [CommandOption("-m|--model <MODEL>")]
    [Description("A preset (mlp, cnn, rnn, lstm, gru, esn) or a model spec JSON file.")]
    [DefaultValue("mlp")]
    public string Model { get; init; } = "mlp";

    [CommandOption("--dataset <NAME>")]
    [Description("mnist, idx (any folder of MNIST-format IDX files), or mackey-glass (esn only).")]
    [DefaultValue("mnist")]
    public string Dataset { get; init; } = "mnist";

    [CommandOption("--data-dir <DIR>")]
    [Description("Folder with the four IDX files (train-images-idx3-ubyte, …; .gz accepted). Default: distnn.data-dir of reference.conf, the folder scripts/fetch-mnist.sh fills.")]
    public string? DataDir { get; init; }

    [CommandOption("-e|--epochs <N>")]
    [Description("Passes over the training set; at least 1.")]
    [DefaultValue(5)]
    public int Epochs { get; init; } = 5;

    [CommandOption("-b|--batch-size <B>")]
    [Description("Minibatch size per worker; 1 up to the training set's size (a batch cannot hold more samples than there are).")]
    [DefaultValue(64)]
    public int BatchSize { get; init; } = 64;

    [CommandOption("--optimizer <NAME>")]
    [Description("sgd, momentum, nesterov, adagrad, rmsprop, adam.")]
    [DefaultValue("adam")]
    public string Optimizer { get; init; } = "adam";

    [CommandOption("--lr <RATE>")]
    [Description("Learning rate; positive and finite (zero or less does not descend).")]
    [DefaultValue(1e-3f)]
    public float LearningRate { get; init; } = 1e-3f;

    [CommandOption("--momentum <M>")]
    [Description("Momentum for sgd/momentum/nesterov (0.9 when the optimizer is momentum or nesterov and this is 0); in [0, 1): at 1 or more past steps never fade and training diverges.")]
    [DefaultValue(0f)]
    public float Momentum { get; init; }

    [CommandOption("--l1 <LAMBDA>")]
    [Description("L1 penalty on weights (not biases); 0 or more (a negative penalty rewards large weights).")]
    [DefaultValue(0f)]
    public float L1 { get; init; }

    [CommandOption("--l2 <LAMBDA>")]
    [Description("L2 penalty on weights (not biases); 0 or more (a negative penalty rewards large weights).")]
    [DefaultValue(0f)]
    public float L2 { get; init; }

    [CommandOption("--schedule <SCHEDULE>")]
    [Description("Learning-rate schedule: constant, cosine (down to 0), cosine:FLOOR (down to FLOOR times --lr, FLOOR in [0, 1]), step:FACTOR@EPOCHS (times FACTOR every EPOCHS epochs).")]
    [DefaultValue("constant")]
    public string Schedule { get; init; } = "constant";

    [CommandOption("--clip-norm <NORM>")]
    [Description("Clip gradients to this global L2 norm; 0 = off, else positive (a norm cannot be negative). Default: 1.0 for recurrent models (rnn, lstm, gru), off otherwise.")]
    public float? ClipNorm { get; init; }

    [CommandOption("--dropout <P>")]
    [Description("Dropout probability inserted after hidden dense layers of a preset (0 = none); in [0, 1): at 1 nothing passes.")]
    [DefaultValue(0.0)]
    public double Dropout { get; init; }

    [CommandOption("--augment <SPEC>")]
    [Description("Data expansion per batch, e.g. noise=0.1,rotate=10,shift=2 (off by default).")]
    [DefaultValue("")]
    public string Augment { get; init; } = "";

    [CommandOption("--train-limit <N>")]
    [Description("Train on the first N training samples only (0 = all); 0 or more.")]
    [DefaultValue(0)]
    public int TrainLimit { get; init; }

    [CommandOption("-t|--threads <T>")]
    [Description("Compute threads in total (default 0 = all cores; on a cluster node: of that node); 0 or more.")]
    public int? Threads { get; init; }

    [CommandOption("--save <PATH>")]
    [Description("Save the trained weights as safetensors (the spec goes beside them).")]
    public string? Save { get; init; }

    [CommandOption("--metrics <PATH>")]
    [Description("Append one JSON line per epoch to this file.")]
    public string? Metrics { get; init; }

    [CommandOption("--plot <PATH>")]
    [Description("At the end, draw train and test loss and accuracy per epoch into this PNG.")]
    public string? Plot { get; init; }

    [CommandOption("--dashboard <PORT>")]
    [Description("Serve a live dashboard on http://127.0.0.1:PORT/ while the run lasts (0 = any free port; printed at start): progress, curves, members, workers; /api/status (JSON) and /metrics (Prometheus). Off by default.")]
    public int? Dashboard { get; init; }

    [CommandOption("--summary-json <PATH>")]
    [Description("Write the run's summary (accuracy, loss, samples/s, …) as JSON.")]
    public string? SummaryJson { get; init; }

    [CommandOption("-w|--workers <N>")]
    [Description("Worker actors; 1 up to the batches of an epoch (a worker without a batch would only wait). Default 1: on a machine with few cores one worker whose GEMMs use every core is as fast as several, and sync training with one worker is plain minibatch SGD.")]
    [DefaultValue(1)]
    public int Workers { get; init; } = 1;

    [CommandOption("--servers <M>")]
    [Description("Parameter-server actors; the model's chunks are balanced over them by bytes; 1 up to the model's tensor chunks (a server without a chunk would hold nothing). Default 1: in one process more servers only add messages.")]
    [DefaultValue(1)]
    public int Servers { get; init; } = 1;

    [CommandOption("--mode <MODE>")]
    [Description("sync (apply a step when every live worker's gradient is in, averaged by samples), async (apply on arrival), ssp (async, but no worker runs more than --staleness steps ahead of the slowest).")]
    [DefaultValue("sync")]
    public string Mode { get; init; } = "sync";

    [CommandOption("--staleness <S>")]
    [Description("ssp: how many steps a worker may run ahead of the slowest; 0 or more.")]
    [DefaultValue(2)]
    public int Staleness { get; init; } = 2;

    [CommandOption("--compression <C>")]
    [Description("Gradient compression per push: none, fp16, int8, topk:FRACTION (with error feedback).")]
    [DefaultValue("none")]
    public string Compression { get; init; } = "none";

    [CommandOption("--overlap <on|off|all>")]
    [Description("on: a worker pushes each layer's gradients to the servers on other nodes while the backward pass goes on (last layer first), and servers apply and answer chunk by chunk; off: one push after the whole backward pass; all: in parts to servers in the worker's own process too (nothing to hide there: for tests and measurements). With --clip-norm the push is whole either way (clipping needs every gradient first).")]
    [DefaultValue("on")]
    public string Overlap { get; init; } = "on";

    [CommandOption("--divergence-factor <F>")]
    [Description("Fail the run when a batch's loss exceeds F times the run's first batch loss (a non-finite loss always fails it); 0 = off, else more than 1.")]
    [DefaultValue(100.0)]
    public double DivergenceFactor { get; init; } = 100;

    [CommandOption("--verbose")]
    [Description("On an error, print the exception's stack trace after its one-line message.")]
    public bool Verbose { get; init; }

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
            return Spectre.Console.ValidationResult.Error($"--lr must be a positive finite number (got {LearningRate})");
        }
        if (!(Momentum >= 0 && Momentum < 1))
        {
            return Spectre.Console.ValidationResult.Error($"--momentum must be in [0, 1) (got {Momentum})");
        }
        if (!(L1 >= 0) || !float.IsFinite(L1) || !(L2 >= 0) || !float.IsFinite(L2))
        {
            return Spectre.Console.ValidationResult.Error($"--l1 and --l2 must be 0 or more (got {L1} and {L2})");
        }
        if (Overlap is not ("on" or "off" or "all"))
        {
            return Spectre.Console.ValidationResult.Error($"--overlap must be on, off or all (got '{Overlap}')");
        }
        if (ClipNorm is { } clip && (!(clip >= 0) || !float.IsFinite(clip)))
        {
            return Spectre.Console.ValidationResult.Error($"--clip-norm must be 0 (off) or a positive number (got {clip})");
        }
        if (DivergenceFactor != 0 && !(DivergenceFactor > 1) || !double.IsFinite(DivergenceFactor))
        {
            return Spectre.Console.ValidationResult.Error($"--divergence-factor must be 0 (off) or more than 1 (got {DivergenceFactor})");
        }
        if (TrainLimit < 0)
        {
            return Spectre.Console.ValidationResult.Error($"--train-limit must be 0 (all) or more (got {TrainLimit})");
        }
        if (Dashboard is < 0 or > 65535)
        {
            return Spectre.Console.ValidationResult.Error($"--dashboard must be a port from 0 (any free one) to 65535 (got {Dashboard})");
        }
        if (Threads is < 0)
        {
            return Spectre.Console.ValidationResult.Error($"--threads must be 0 (all cores) or more (got {Threads})");
        }
        if (Dropout is < 0 or >= 1)
        {
            return Spectre.Console.ValidationResult.Error($"--dropout must be in [0, 1) (got {Dropout})");
        }
        if (Workers <= 0 || Servers <= 0)
        {
            return Spectre.Console.ValidationResult.Error($"--workers and --servers must be at least 1 (got {Workers} and {Servers})");
        }
        if (Staleness < 0)
        {
            return Spectre.Console.ValidationResult.Error($"--staleness must be 0 or more (got {Staleness})");
        }
        if (Mode is not ("sync" or "async" or "ssp"))
        {
            return Spectre.Console.ValidationResult.Error($"--mode must be sync, async or ssp (got '{Mode}')");
        }
        return ValidateCheckpoints();
    }
}

public sealed class TrainSettings : PlanSettings
{
    [CommandOption("-s|--seed <SEED>")]
    [DefaultValue(1)]
    public int Seed { get; init; } = 1;

    [CommandOption("--reservoir <N>")]
    [Description("esn: reservoir units (default 1000).")]
    [DefaultValue(1000)]
    public int Reservoir { get; init; } = 1000;

    [CommandOption("--engine <ENGINE>")]
    [Description("actors (default): coordinator, parameter servers and workers as Akka.NET actors in this process. local: the plain engine loop, no actors (the reference the actors are measured against).")]
    [DefaultValue("actors")]
    public string Engine { get; init; } = "actors";

    public override int RandomSeed => Seed;

    public override Spectre.Console.ValidationResult Validate()
    {
        if (Engine is not ("actors" or "local"))
        {
            return Spectre.Console.ValidationResult.Error($"--engine must be actors or local (got '{Engine}')");
        }
        return base.Validate();
    }
}
