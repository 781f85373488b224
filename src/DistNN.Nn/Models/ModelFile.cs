using System.Runtime.InteropServices;

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
    public const long MaxHeaderBytes = SafeTensors.MaxHeaderBytes;

    public static string SpecPath(string path) => path + ".spec.json";

    public static void Save(string path, ModelSpec spec, Sequential model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var tensors = AllParameters(model);
        CheckMatchesSpec(spec, tensors);
        string specJson = spec.ToJson();
        var entries = new List<KeyValuePair<string, string>> { new(SpecKey, specJson) };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (key is "format" or SpecKey)
            {
                throw new ArgumentException($"metadata key '{key}' is reserved");
            }
            entries.Add(new(key, value));
        }
        var safeTensors = tensors.Select(p => new SafeTensor(p.Name, p.Value.Shape.ToArray(), p.Value.Data.AsMemory(0, p.Value.Length))).ToList();

        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string tempModel = TempName(path);
        string tempSpec = TempName(SpecPath(path));
        try
        {
            using (var stream = new FileStream(tempModel, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                SafeTensors.Write(stream, safeTensors, entries);
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
        var header = SafeTensors.ReadHeader(path, stream);
        var metadata = header.Metadata;
        {
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
            CheckEntries(path, header.Entries, expected);
            SafeTensors.CheckCoverage(path, header);
            foreach (var entry in header.Entries)
            {
                stream.Position = header.DataStart + entry.Begin;
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

    private static void CheckEntries(string path, IReadOnlyList<SafeTensorEntry> entries, Dictionary<string, Parameter> expected)
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
