using DistNN.Cli.Commands;
using Google.Protobuf;
using Spectre.Console.Cli;

namespace DistNN.Cli.Export;

/// <summary>`distnn export`: a saved model as an ONNX file that other runtimes can load.</summary>
public sealed class ExportCommand : AsyncCommand<ExportSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ExportSettings settings, CancellationToken cancellationToken)
    {
        var (spec, model) = ModelStore.Load(settings.ModelFile);
        var onnx = OnnxExporter.Build(spec, model);
        string path = settings.Out ?? Path.ChangeExtension(settings.ModelFile, ".onnx");
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        await File.WriteAllBytesAsync(path, onnx.ToByteArray(), cancellationToken);
        Console.WriteLine($"wrote {path}: ONNX opset {OnnxExporter.Opset}, {onnx.Graph.Node.Count} nodes, input [N,{string.Join(",", model.InputShape)}] "
            + $"→ output [N,{string.Join(",", model.OutputShape)}] ({spec.Loss} {(spec.Loss.Contains("cross_entropy", StringComparison.Ordinal) ? "logits" : "outputs")})");
        return 0;
    }
}
