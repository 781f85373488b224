using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace DistNN.Nn.Models;

/// <summary>
/// Weights as a safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length N, N bytes of JSON {name: {"dtype":"F32","shape":[…],"data_offsets":[begin,end]}, "__metadata__":{…}}
/// padded with spaces to a multiple of 8, then the raw little-endian tensor bytes (offsets relative to the end of
/// the header). Every parameter is stored under its name (e.g. "1.dense.weight"), state parameters too.
/// The model spec travels inside the file as __metadata__["distnn.spec"] (the copy Load uses), and a readable copy
/// is written beside it as "&lt;path&gt;.spec.json". Both are written to temporary files first and renamed into place,
/// so a failed save leaves the destination untouched.
/// </summary>
public static class ModelFile
{
    public const string SpecKey = "distnn.spec";

    /// <summary>safetensors' own limit on the header (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public static string SpecPath(string path) => path + ".spec.json";

    public static void Save(string path, ModelSpec spec, Sequential model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors files are little-endian; this machine is not");
        }
        var tensors = AllParameters(model);
        CheckMatchesSpec(spec, tensors);
        string specJson = spec.ToJson();
        var header = BuildHeader(specJson, tensors, metadata);

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string tempModel = TempName(path);
        string tempSpec = TempName(SpecPath(path));
        try
        {
            using (var stream = new FileStream(tempModel, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Span<byte> length = stackalloc byte[8];
                BitConverter.TryWriteBytes(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var p in tensors)
                {
                    stream.Write(MemoryMarshal.AsBytes(p.Value.Span));
                }
                stream.Flush(flushToDisk: true);
            }
            File.WriteAllText(tempSpec, specJson);
            File.Move(tempSpec, SpecPath(path), overwrite: true);
            File.Move(tempModel, path, overwrite: true);
        }
        finally
        {
            TryDelete(tempModel);
            TryDelete(tempSpec);
        }
    }

    /// <summary>
    /// Reads a file written by <see cref="Save"/>: builds the model from the embedded spec and fills every parameter.
    /// Throws <see cref="InvalidDataException"/> naming the file and the problem when the header is malformed or
    /// oversized, an offset points outside the data, a tensor is missing, extra, of another dtype or shape.
    /// </summary>
    public static LoadedModel Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"model file '{path}' does not exist", path);
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw Bad(path, $"{fileLength} bytes is too short for a safetensors file");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BitConverter.ToUInt64(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
        {
            throw Bad(path, $"header length {headerLength} is impossible for a file of {fileLength} bytes (limit {MaxHeaderBytes})");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON: {e.Message}");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "header is not a JSON object");
            }
            var metadata = ReadMetadata(path, document.RootElement);
            if (!metadata.TryGetValue(SpecKey, out string? specJson))
            {
                throw Bad(path, $"no model spec in __metadata__[\"{SpecKey}\"]; was it saved by DistNN?");
            }
            ModelSpec spec;
            Sequential model;
            try
            {
                spec = ModelSpec.FromJson(specJson, $"{path} (embedded spec)");
                model = ModelBuilder.Build(spec, seed: 0);
            }
            catch (Exception e) when (e is FormatException or Layers.ShapeException or ArgumentException)
            {
                throw Bad(path, $"the embedded model spec does not build: {e.Message}");
            }
            var expected = AllParameters(model).ToDictionary(p => p.Name);
            var entries = ReadEntries(path, document.RootElement, dataLength);
            CheckEntries(path, entries, expected, dataLength);
            foreach (var entry in entries)
            {
                stream.Position = dataStart + entry.Begin;
                stream.ReadExactly(MemoryMarshal.AsBytes(expected[entry.Name].Value.Span));
            }
            return new LoadedModel(spec, model, metadata);
        }
    }

    private static List<Parameter> AllParameters(Sequential model)
    {
        var all = model.Layers.SelectMany(l => l.Parameters).ToList();
        var duplicate = all.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"two parameters are named '{duplicate.Key}'; tensor names must be unique");
        }
        return all;
    }

    private static void CheckMatchesSpec(ModelSpec spec, List<Parameter> tensors)
    {
        var fromSpec = AllParameters(ModelBuilder.Build(spec, seed: 0));
        string Describe(IEnumerable<Parameter> ps) => string.Join(", ", ps.Select(p => $"{p.Name} [{p.Value.ShapeString}]"));
        if (fromSpec.Count != tensors.Count
            || fromSpec.Zip(tensors).Any(pair => pair.First.Name != pair.Second.Name || !pair.First.Value.Shape.SequenceEqual(pair.Second.Value.Shape)))
        {
            throw new ArgumentException($"the model does not match its spec '{spec.Name}': the spec builds {Describe(fromSpec)}; the model has {Describe(tensors)}");
        }
    }

    private static byte[] BuildHeader(string specJson, List<Parameter> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            writer.WriteString("format", "pt");
            writer.WriteString(SpecKey, specJson);
            foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
            {
                if (key is "format" or SpecKey)
                {
                    throw new ArgumentException($"metadata key '{key}' is reserved");
                }
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
            long offset = 0;
            foreach (var p in tensors)
            {
                long bytes = (long)p.Value.Length * sizeof(float);
                writer.WriteStartObject(p.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in p.Value.Shape)
                {
                    writer.WriteNumberValue(d);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + bytes);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += bytes;
            }
            writer.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (buffer.Length % 8 != 0)
        {
            buffer.WriteByte((byte)' ');
        }
        return buffer.ToArray();
    }

    private static Dictionary<string, string> ReadMetadata(string path, JsonElement root)
    {
        var metadata = new Dictionary<string, string>();
        if (root.TryGetProperty("__metadata__", out var element))
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "__metadata__ is not an object");
            }
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw Bad(path, $"__metadata__ value '{property.Name}' is not a string");
                }
                metadata[property.Name] = property.Value.GetString()!;
            }
        }
        return metadata;
    }

    private sealed record Entry(string Name, int[] Shape, long Begin, long End);

    private static List<Entry> ReadEntries(string path, JsonElement root, long dataLength)
    {
        var entries = new List<Entry>();
        var seen = new HashSet<string>();
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                continue;
            }
            string name = property.Name;
            if (!seen.Add(name))
            {
                throw Bad(path, $"tensor '{name}' appears twice in the header");
            }
            var value = property.Value;
            if (value.ValueKind != JsonValueKind.Object
                || !value.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
                || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
                || !value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            {
                throw Bad(path, $"tensor '{name}' needs \"dtype\", \"shape\" and two \"data_offsets\"");
            }
            if (dtype.GetString() != "F32")
            {
                throw Bad(path, $"tensor '{name}' has dtype {dtype.GetString()}; only F32 is supported");
            }
            var shape = new int[shapeElement.GetArrayLength()];
            long volume = 1;
            int axis = 0;
            foreach (var d in shapeElement.EnumerateArray())
            {
                if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                {
                    throw Bad(path, $"tensor '{name}' has a shape that is not a list of non-negative integers");
                }
                shape[axis++] = dim;
                volume = Math.Min(volume * dim, long.MaxValue / 8);
            }
            if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end)
                || begin < 0 || end < begin || end > dataLength)
            {
                throw Bad(path, $"tensor '{name}' has data offsets {offsets.GetRawText()} outside the {dataLength} data bytes (truncated file?)");
            }
            if (end - begin != volume * sizeof(float))
            {
                throw Bad(path, $"tensor '{name}' of shape [{string.Join(",", shape)}] needs {volume * sizeof(float)} bytes, its offsets span {end - begin}");
            }
            entries.Add(new Entry(name, shape, begin, end));
        }
        return entries;
    }

    private static void CheckEntries(string path, List<Entry> entries, Dictionary<string, Parameter> expected, long dataLength)
    {
        foreach (var entry in entries)
        {
            if (!expected.TryGetValue(entry.Name, out var parameter))
            {
                throw Bad(path, $"tensor '{entry.Name}' is not a parameter of the model its spec describes");
            }
            if (!parameter.Value.Shape.SequenceEqual(entry.Shape))
            {
                throw Bad(path, $"tensor '{entry.Name}' has shape [{string.Join(",", entry.Shape)}], the model needs [{string.Join(",", parameter.Value.Shape.ToArray())}]");
            }
        }
        var missing = expected.Keys.Except(entries.Select(e => e.Name)).ToList();
        if (missing.Count > 0)
        {
            throw Bad(path, $"missing tensors: {string.Join(", ", missing)}");
        }
        // The data must be covered exactly once, without holes (as the safetensors reader requires).
        long position = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin))
        {
            if (entry.Begin != position)
            {
                throw Bad(path, $"tensor '{entry.Name}' starts at byte {entry.Begin} of the data, expected {position} (overlap or gap)");
            }
            position = entry.End;
        }
        if (position != dataLength)
        {
            throw Bad(path, $"the tensors cover {position} bytes but the file holds {dataLength} bytes of data");
        }
    }

    private static InvalidDataException Bad(string path, string what) => new($"model file '{path}': {what}");

    private static string TempName(string path) => $"{path}.{Guid.NewGuid():N}.tmp";

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary file never replaces the destination.
        }
    }
}

/// <summary>What <see cref="ModelFile.Load"/> returns; deconstructs as (spec, model).</summary>
public sealed record LoadedModel(ModelSpec Spec, Sequential Model, IReadOnlyDictionary<string, string> Metadata)
{
    public void Deconstruct(out ModelSpec spec, out Sequential model)
    {
        spec = Spec;
        model = Model;
    }
}
