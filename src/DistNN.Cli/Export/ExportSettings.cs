using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DistNN.Cli.Export;

public sealed class ExportSettings : CommandSettings
{
    [CommandOption("--model-file <PATH>")]
    [Description("Weights saved by `distnn train --save` (safetensors; the spec is read from inside them).")]
    public string ModelFile { get; init; } = "";

    [CommandOption("--format <FORMAT>")]
    [Description("onnx (opset 17): dense, conv2d, pooling, batchnorm, dropout (identity), flatten, activations, rnn, lstm, gru.")]
    [DefaultValue("onnx")]
    public string Format { get; init; } = "onnx";

    [CommandOption("--out <PATH>")]
    [Description("Where to write the exported model (default: the model file with .onnx instead of .safetensors).")]
    public string? Out { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelFile))
        {
            return ValidationResult.Error("--model-file is required");
        }
        return Format.Equals("onnx", StringComparison.OrdinalIgnoreCase)
            ? ValidationResult.Success()
            : ValidationResult.Error($"--format '{Format}' is not known (known: onnx)");
    }
}
