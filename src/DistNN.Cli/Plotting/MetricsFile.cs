using System.Text.Json;

namespace DistNN.Cli.Plotting;

/// <summary>Reads the per-epoch lines `distnn train --metrics` writes (JSON, one object a line).</summary>
internal static class MetricsFile
{
    private static readonly string[] s_fields = ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"];

    public static RunCurves Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"metrics file '{path}' does not exist", path);
        }
        var epochs = new List<EpochPoint>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                var missing = s_fields.Where(f => root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(f, out var v) || v.ValueKind != JsonValueKind.Number).ToArray();
                if (missing.Length > 0)
                {
                    throw new FormatException($"{path}:{lineNumber}: a metrics line needs the numbers {string.Join(", ", missing)}");
                }
                epochs.Add(new EpochPoint(root.GetProperty("epoch").GetInt32(), root.GetProperty("train_loss").GetDouble(), root.GetProperty("train_accuracy").GetDouble(),
                    root.GetProperty("test_loss").GetDouble(), root.GetProperty("test_accuracy").GetDouble()));
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{lineNumber}: not a JSON metrics line ({e.Message})", e);
            }
        }
        if (epochs.Count == 0)
        {
            throw new FormatException($"{path}: holds no epochs (it is what `distnn train --metrics` writes, one line per epoch)");
        }
        return new RunCurves(Path.GetFileNameWithoutExtension(path), epochs);
    }
}
