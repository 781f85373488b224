using System.ComponentModel;
using Spectre.Console;
using DistNN.Training.Configuration;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands.Predict;

public sealed class PredictSettings : CommandSettings
{
    [CommandOption("--model-file <PATH>")]
    [Description("Weights saved by `distnn train --save` (safetensors; the spec is read from inside them).")]
    public string ModelFile { get; init; } = "";

    [CommandOption("--data-dir <DIR>")]
    [Description("Folder of IDX files; --index picks an image of its test split. Default: distnn.data-dir of reference.conf.")]
    public string DataDir { get; init; } = DistNNSettings.Reference.DataDir;

    [CommandOption("--index <I>")]
    [Description("Index of the test image to classify (0-based).")]
    public int? Index { get; init; }

    [CommandOption("--image <PATH>")]
    [Description("A PNG of any size instead of a test image: made grayscale, resized to the model's input and scaled to [0, 1]; a light background is inverted (MNIST digits are light on dark).")]
    public string? Image { get; init; }

    [CommandOption("-t|--threads <T>")]
    [DefaultValue(1)]
    public int Threads { get; init; } = 1;

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelFile))
        {
            return ValidationResult.Error("--model-file is required");
        }
        if (Index is null == Image is null)
        {
            return ValidationResult.Error("give exactly one of --index (a test image of --data-dir) and --image (a PNG file)");
        }
        return Index < 0 ? ValidationResult.Error($"--index {Index} is negative") : ValidationResult.Success();
    }
}
