using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using DistNN.Nn.Models;

namespace DistNN.Nn.Tests;

public sealed class ModelFileSpec : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "distnn-modelfile-" + Guid.NewGuid().ToString("N"));

    public ModelFileSpec() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ModelSpec SmallSpec() => new()
    {
        Name = "small",
        Input = [2, 3],
        Layers =
        [
            new LayerSpec { Type = "flatten" },
            new LayerSpec { Type = "dense", Units = 5, Activation = "tanh" },
            new LayerSpec { Type = "dropout", Rate = 0.3 },
            new LayerSpec { Type = "dense", Units = 4, Init = "torch_default" },
        ],
    };

    private string SavedFile(out Sequential model)
    {
        string path = Path.Combine(_directory, "model.safetensors");
        model = ModelBuilder.Build(SmallSpec(), seed: 3);
        ModelFile.Save(path, SmallSpec(), model, new Dictionary<string, string> { ["epoch"] = "7" });
        return path;
    }

    /// <summary>Splits a safetensors file into its JSON header and data bytes.</summary>
    private static (JsonObject Header, byte[] Data) Split(string path)
    {
        var bytes = File.ReadAllBytes(path);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return (JsonNode.Parse(bytes.AsSpan(8, n))!.AsObject(), bytes[(8 + n)..]);
    }

    private static void Join(string path, JsonObject header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Saved_model_loads_with_identical_predictions()
    {
        string path = SavedFile(out var model);
        var x = GradientCheck.Random(new Random(1), 7, 2, 3);
        var expected = model.Forward(x, training: false).Span.ToArray();

        var (spec, loaded) = ModelFile.Load(path);

        Assert.Equal(SmallSpec().ToJson(), spec.ToJson());
        Assert.Equal(expected, loaded.Forward(x, training: false).Span.ToArray());
        Assert.Equal("7", ModelFile.Load(path).Metadata["epoch"]);
        Assert.Equal(SmallSpec().ToJson(), ModelSpec.Load(ModelFile.SpecPath(path)).ToJson());
    }

    [Fact]
    public void File_follows_the_safetensors_layout()
    {
        string path = SavedFile(out var model);

        var (header, data) = Split(path);

        var weight = header["1.dense.weight"]!;
        Assert.Equal("F32", (string)weight["dtype"]!);
        Assert.Equal("[6,5]", weight["shape"]!.ToJsonString());
        Assert.Equal("[0,120]", weight["data_offsets"]!.ToJsonString());
        Assert.Equal(4 * model.ParameterCount, data.Length);
        Assert.Equal(0, (File.ReadAllBytes(path).Length - data.Length) % 8);
        Assert.Contains("\"small\"", (string)header["__metadata__"]![ModelFile.SpecKey]!);
    }

    [Fact]
    public void Truncated_file_is_refused_naming_the_file()
    {
        string path = SavedFile(out _);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains("outside", e.Message);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(1UL << 40)]
    public void Impossible_header_length_is_refused(ulong length)
    {
        string path = SavedFile(out _);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Corrupted_header_is_refused()
    {
        string path = SavedFile(out _);
        var bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'#';
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Contains("not valid JSON", e.Message);
    }

    [Theory]
    [InlineData("dtype")]
    [InlineData("shape")]
    [InlineData("extra")]
    [InlineData("missing")]
    [InlineData("overlap")]
    public void Mismatched_tensors_are_refused_with_the_reason(string fault)
    {
        string path = SavedFile(out _);
        var (header, data) = Split(path);
        var weight = header["1.dense.weight"]!.AsObject();
        string expected;
        switch (fault)
        {
            case "dtype":
                weight["dtype"] = "F16";
                expected = "dtype F16";
                break;
            case "shape":
                weight["shape"] = new JsonArray(5, 6);
                expected = "shape [5,6]";
                break;
            case "extra":
                header["bonus"] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(0), ["data_offsets"] = new JsonArray(0, 0) };
                expected = "'bonus' is not a parameter";
                break;
            case "missing":
                header.Remove("3.dense.bias");
                expected = "missing tensors: 3.dense.bias";
                break;
            default:
                header["1.dense.bias"]!["data_offsets"] = new JsonArray(0, 20);
                expected = "overlap or gap";
                break;
        }
        Join(path, header, data);

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));

        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Failed_save_leaves_the_destination_untouched()
    {
        string path = SavedFile(out _);
        var before = File.ReadAllBytes(path);
        var other = ModelBuilder.Build(SmallSpec() with { Layers = [new LayerSpec { Type = "flatten" }, new LayerSpec { Type = "dense", Units = 2 }] }, seed: 1);

        var e = Assert.Throws<ArgumentException>(() => ModelFile.Save(path, SmallSpec(), other));

        Assert.Contains("does not match its spec", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.safetensors", "model.safetensors.spec.json" }, Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)!).Order().ToArray());
    }
}
