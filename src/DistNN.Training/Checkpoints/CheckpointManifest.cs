using System.Text.Json;
using System.Text.Json.Serialization;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Plan;
using MessagePack;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// One server's part of a checkpoint: its own step, epoch and applied batches (its accounting), its files, and how long
/// copying its shard held its thread (what the step waited). NodeDirectory: its files are in that directory of the server's
/// own node (a folder per server node), not beside the manifest; null: beside it (a shared directory).
/// </summary>
public sealed record ManifestServer(int Index, long Step, int Epoch, int[] AppliedBatches, CheckpointFileInfo[] Files, double CaptureMilliseconds,
    string? NodeDirectory = null);

/// <summary>A chunk of the layout the checkpoint was written with.</summary>
public sealed record ManifestChunk(int Id, string Tensor, int Offset, int Length, int Server);

/// <summary>
/// manifest.json, written last into a checkpoint folder by the coordinator once every server's files are on disk: the
/// plan (readable, and whole as its MessagePack wire form), the epoch, the batches of it every server has applied, the
/// permutation seed, the chunk layout and each file's length and SHA-256. A folder without it is not a checkpoint.
/// </summary>
public sealed record CheckpointManifest
{
    public const string FileName = "manifest.json";

    public const string CurrentFormat = "distnn-checkpoint-1";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Format { get; init; } = CurrentFormat;

    /// <summary>The folder's name; also the order of checkpoints with <see cref="Step"/>.</summary>
    public required string Folder { get; init; }

    /// <summary>The highest server step in it (the steps agree in sync mode).</summary>
    public required long Step { get; init; }

    public required int Epoch { get; init; }

    public required string Reason { get; init; }

    public required DateTime CreatedUtc { get; init; }

    public required int TotalBatches { get; init; }

    /// <summary>Batches of <see cref="Epoch"/> every server has applied: a resume deals out the others.</summary>
    public required int[] BatchesApplied { get; init; }

    public required long SamplesApplied { get; init; }

    /// <summary>The seed of the epochs' permutations (Shuffle.Permutation(count, seed, epoch)).</summary>
    public required int PermutationSeed { get; init; }

    public required Dictionary<string, string> Plan { get; init; }

    /// <summary>The whole plan as <see cref="PlanMessage"/> bytes, base64: what a resume runs.</summary>
    public required string PlanWire { get; init; }

    public required ManifestChunk[] Chunks { get; init; }

    public required ManifestServer[] Servers { get; init; }

    public IEnumerable<CheckpointFileInfo> Files => Servers.SelectMany(s => s.Files);

    /// <summary>The files beside the manifest (a shared directory): those of the servers without a folder of their own.</summary>
    public IEnumerable<CheckpointFileInfo> FilesHere => Servers.Where(s => s.NodeDirectory is null).SelectMany(s => s.Files);

    /// <summary>Servers whose files are on their own node: checked there, when they restore.</summary>
    public IEnumerable<ManifestServer> OnTheirNodes => Servers.Where(s => s.NodeDirectory is not null);

    public TrainingPlan ReadPlan() =>
        MessagePackSerializer.Deserialize<PlanMessage>(Convert.FromBase64String(PlanWire), ProtocolSerializerOptions.Default).ToPlan();

    public static string EncodePlan(TrainingPlan plan) =>
        Convert.ToBase64String(MessagePackSerializer.Serialize(plan.ToMessage(), ProtocolSerializerOptions.Default));

    public static Dictionary<string, string> Describe(TrainingPlan plan) => new()
    {
        ["model"] = plan.ModelName,
        ["optimizer"] = plan.Optimizer.Name,
        ["lr"] = plan.Optimizer.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        ["mode"] = plan.Mode.ToString().ToLowerInvariant(),
        ["workers"] = plan.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["servers"] = plan.Servers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["batch_size"] = plan.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["epochs"] = plan.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["train_limit"] = plan.TrainLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["dataset"] = plan.Dataset,
    };

    /// <summary>Writes the manifest atomically into <paramref name="folder"/>.</summary>
    public CheckpointFileInfo WriteTo(string folder) =>
        AtomicFile.Write(Path.Combine(folder, FileName), s => JsonSerializer.Serialize(s, this, s_json));

    /// <summary>Reads the manifest of <paramref name="folder"/>; throws <see cref="InvalidDataException"/> naming it when it is missing, truncated or not one.</summary>
    public static CheckpointManifest Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: missing (the checkpoint was not finished)");
        }
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllBytes(path), s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a readable manifest ({e.Message})");
        }
        if (manifest is null || manifest.Format != CurrentFormat)
        {
            throw new InvalidDataException($"{path}: not a {CurrentFormat} manifest");
        }
        return manifest;
    }
}
