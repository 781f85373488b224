using System.Text.Json;
using System.Text.Json.Serialization;

namespace DistNN.Cli.Output;

internal static class JsonFiles
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public static JsonSerializerOptions Line { get; } = new(Options) { WriteIndented = false };

    /// <summary>Writes to a temporary file beside the target, then renames: a reader never sees half a file.</summary>
    public static void WriteAtomically<T>(string path, T value)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tmp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, JsonSerializer.Serialize(value, Options) + "\n");
        File.Move(tmp, full, overwrite: true);
    }
}

/// <summary>One JSON line per epoch, flushed as it is written.</summary>
internal sealed class MetricsWriter : IDisposable
{
    private readonly StreamWriter _writer;

    public MetricsWriter(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _writer = new StreamWriter(full, append: true) { AutoFlush = true };
    }

    public void Write<T>(T record) => _writer.WriteLine(JsonSerializer.Serialize(record, JsonFiles.Line));

    public void Dispose() => _writer.Dispose();
}
