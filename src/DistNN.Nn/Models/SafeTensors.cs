using System.Runtime.InteropServices;
using System.Text.Json;

namespace DistNN.Nn.Models;

/// <summary>One named float32 tensor of a safetensors file.</summary>
public sealed record SafeTensor(string Name, int[] Shape, ReadOnlyMemory<float> Values);

/// <summary>An entry of a safetensors header: where a tensor's bytes lie, relative to the end of the header.</summary>
public sealed record SafeTensorEntry(string Name, int[] Shape, long Begin, long End);

/// <summary>A safetensors file's header, read and checked: its metadata, its entries and where the data starts.</summary>
public sealed record SafeTensorsHeader(IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafeTensorEntry> Entries, long DataStart, long DataLength);

/// <summary>
/// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N bytes
/// of JSON {name: {"dtype":"F32","shape":[…],"data_offsets":[begin,end]}, "__metadata__":{…}} padded with spaces to a
/// multiple of 8, then the raw little-endian tensor bytes. The one writer and reader of DistNN: model files
/// (<see cref="ModelFile"/>) and checkpoints use it.
/// </summary>
public static class SafeTensors
{
    /// <summary>safetensors' own limit on the header (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Writes the tensors in order, after a header whose __metadata__ holds "format":"pt" and then <paramref name="metadata"/>.</summary>
    public static void Write(Stream stream, IReadOnlyList<SafeTensor> tensors, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors files are little-endian; this machine is not");
        }
        var header = BuildHeader(tensors, metadata);
        Span<byte> length = stackalloc byte[8];
        BitConverter.TryWriteBytes(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var t in tensors)
        {
            stream.Write(MemoryMarshal.AsBytes(t.Values.Span));
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<SafeTensor> tensors, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("__metadata__");
            writer.WriteString("format", "pt");
            foreach (var (key, value) in metadata)
            {
                writer.WriteString(key, value);
            }
            writer.WriteEndObject();
            long offset = 0;
            foreach (var t in tensors)
            {
                long bytes = (long)t.Values.Length * sizeof(float);
                writer.WriteStartObject(t.Name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in t.Shape)
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

    /// <summary>
    /// Reads and checks the header of <paramref name="stream"/> (positioned at its start): lengths, JSON, dtypes, shapes,
    /// offsets inside the data (<see cref="CheckCoverage"/> checks that they cover it exactly once). Throws <see cref="InvalidDataException"/> naming
    /// <paramref name="path"/> and the problem.
    /// </summary>
    public static SafeTensorsHeader ReadHeader(string path, Stream stream)
    {
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
            var entries = ReadEntries(path, document.RootElement, dataLength);
            return new SafeTensorsHeader(metadata, entries, dataStart, dataLength);
        }
    }

    /// <summary>Every tensor of the file at <paramref name="path"/>, by name, with its metadata.</summary>
    public static (IReadOnlyDictionary<string, string> Metadata, IReadOnlyDictionary<string, SafeTensor> Tensors) ReadAll(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var header = ReadHeader(path, stream);
        CheckCoverage(path, header);
        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach (var entry in header.Entries)
        {
            var values = new float[(entry.End - entry.Begin) / sizeof(float)];
            stream.Position = header.DataStart + entry.Begin;
            stream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
            tensors[entry.Name] = new SafeTensor(entry.Name, entry.Shape, values);
        }
        return (header.Metadata, tensors);
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

    private static List<SafeTensorEntry> ReadEntries(string path, JsonElement root, long dataLength)
    {
        var entries = new List<SafeTensorEntry>();
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
            entries.Add(new SafeTensorEntry(name, shape, begin, end));
        }
        return entries;
    }

    /// <summary>The data must be covered exactly once, without holes (as the safetensors reader requires).</summary>
    public static void CheckCoverage(string path, SafeTensorsHeader header)
    {
        long position = 0;
        long dataLength = header.DataLength;
        foreach (var entry in header.Entries.OrderBy(e => e.Begin))
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
}
