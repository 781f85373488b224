using System.Text.Json;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Parameters;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// A server's two files in a checkpoint folder. server-I.safetensors holds its chunks' weights: a chunk that is a whole
/// tensor under the tensor's name and shape, a piece of one as "name[begin:end]"; when the server holds every tensor
/// whole (one server) the file also carries the model spec, so it is a model file `distnn eval` loads.
/// server-I.optimizer.safetensors holds each trainable chunk's optimizer state ("chunk.ID", slot by slot) and, in its
/// metadata, the step, epoch, applied batches, versions and update counts.
/// </summary>
public static class ShardFiles
{
    public const string StateKey = "distnn.checkpoint";

    public static string WeightsName(int server) => $"server-{server}.safetensors";

    public static string OptimizerName(int server) => $"server-{server}.optimizer.safetensors";

    /// <summary>
    /// Writes both files of <paramref name="state"/> into <paramref name="folder"/>, each atomically; the metadata says which
    /// shard they hold: the server index of <paramref name="servers"/> and its chunks' ranges (<see cref="LayoutOf"/>).
    /// </summary>
    public static IReadOnlyList<CheckpointFileInfo> Write(string folder, ShardState state, ModelSpec spec, IReadOnlyList<int[]> tensorShapes, int servers)
    {
        bool wholeModel = state.Chunks.Count == tensorShapes.Count && state.Chunks.All(c => c.OffsetInTensor == 0 && c.Length == Volume(tensorShapes[c.TensorIndex]));
        var weights = state.Chunks.Select((c, i) => new SafeTensor(TensorName(c, tensorShapes), IsWhole(c, tensorShapes) ? tensorShapes[c.TensorIndex] : [c.Length],
            state.Weights[i])).ToList();
        var weightsMeta = wholeModel ? [new(ModelFile.SpecKey, spec.ToJson())] : new List<KeyValuePair<string, string>>();
        var optimizer = state.Chunks.Select((c, i) => (c, i)).Where(x => !x.c.IsState)
            .Select(x => new SafeTensor($"chunk.{x.c.Id}", [state.OptimizerState[x.i].Length], state.OptimizerState[x.i])).ToList();
        var meta = JsonSerializer.Serialize(new ShardMeta(state.ServerIndex, state.Step, state.Epoch, state.AppliedBatches, state.AppliedSamples, state.Optimizer,
            state.Chunks.Select(c => c.Id).ToArray(), state.Versions, state.Updates, servers, LayoutOf(state.Chunks.Select(c => (c.TensorName, c.OffsetInTensor, c.Length)))));
        return
        [
            AtomicFile.Write(Path.Combine(folder, WeightsName(state.ServerIndex)), s => SafeTensors.Write(s, weights, weightsMeta)),
            AtomicFile.Write(Path.Combine(folder, OptimizerName(state.ServerIndex)), s => SafeTensors.Write(s, optimizer, [new(StateKey, meta)])),
        ];
    }

    /// <summary>
    /// Reads server <paramref name="fromServer"/>'s files in <paramref name="folder"/> back for the chunks
    /// <paramref name="chunks"/>, after checking each file's length and SHA-256 against <paramref name="expected"/>.
    /// Throws <see cref="InvalidDataException"/> naming the file and what is wrong.
    /// </summary>
    public static ShardState Read(string folder, int fromServer, IReadOnlyList<CheckpointFileInfo> expected, IReadOnlyList<ParameterChunk> chunks,
        IReadOnlyList<int[]> tensorShapes)
    {
        foreach (var file in expected)
        {
            CheckFile(folder, file);
        }
        string weightsPath = Path.Combine(folder, WeightsName(fromServer));
        string optimizerPath = Path.Combine(folder, OptimizerName(fromServer));
        var (_, weights) = SafeTensors.ReadAll(weightsPath);
        var (meta, optimizer) = SafeTensors.ReadAll(optimizerPath);
        if (!meta.TryGetValue(StateKey, out string? json) || JsonSerializer.Deserialize<ShardMeta>(json) is not { } m)
        {
            throw new InvalidDataException($"checkpoint file '{optimizerPath}' lacks its {StateKey} metadata");
        }
        if (!m.Chunks.SequenceEqual(chunks.Select(c => c.Id)))
        {
            throw new InvalidDataException($"checkpoint file '{optimizerPath}' holds chunks [{string.Join(",", m.Chunks)}], expected [{string.Join(",", chunks.Select(c => c.Id))}]");
        }
        float[] Take(IReadOnlyDictionary<string, SafeTensor> from, string name, int length, string path) =>
            from.TryGetValue(name, out var t) && t.Values.Length == length
                ? t.Values.ToArray()
                : throw new InvalidDataException($"checkpoint file '{path}' lacks tensor '{name}' of {length} floats");
        var w = chunks.Select(c => Take(weights, TensorName(c, tensorShapes), c.Length, weightsPath)).ToArray();
        var o = chunks.Select(c => c.IsState ? []
            : optimizer.TryGetValue($"chunk.{c.Id}", out var t) ? t.Values.ToArray()
            : throw new InvalidDataException($"checkpoint file '{optimizerPath}' lacks tensor 'chunk.{c.Id}'")).ToArray();
        return new ShardState(m.Server, m.Step, m.Epoch, m.Applied, m.AppliedSamples, chunks, m.Optimizer, w, o, m.Versions, m.Updates);
    }

    /// <summary>Checks one file of a checkpoint folder against its manifest entry; throws naming it when missing, truncated or altered.</summary>
    public static void CheckFile(string folder, CheckpointFileInfo file)
    {
        string path = Path.Combine(folder, file.Name);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: missing");
        }
        var (bytes, sha) = AtomicFile.Checksum(path);
        if (bytes != file.Bytes)
        {
            throw new InvalidDataException($"{path}: {bytes} bytes, the manifest says {file.Bytes} (truncated?)");
        }
        if (sha != file.Sha256)
        {
            throw new InvalidDataException($"{path}: checksum mismatch (sha256 {sha[..12]}…, the manifest says {file.Sha256[..Math.Min(12, file.Sha256.Length)]}…)");
        }
    }

    private static bool IsWhole(ParameterChunk c, IReadOnlyList<int[]> shapes) => c.OffsetInTensor == 0 && c.Length == Volume(shapes[c.TensorIndex]);

    private static string TensorName(ParameterChunk c, IReadOnlyList<int[]> shapes) =>
        IsWhole(c, shapes) ? c.TensorName : $"{c.TensorName}[{c.OffsetInTensor}:{c.OffsetInTensor + c.Length}]";

    private static int Volume(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>A shard's chunks as "tensor[begin:end]" joined by ';': what its files hold, compared with a manifest's layout.</summary>
    public static string LayoutOf(IEnumerable<(string Tensor, int Offset, int Length)> chunks) =>
        string.Join(";", chunks.Select(c => $"{c.Tensor}[{c.Offset}:{c.Offset + c.Length}]"));

    /// <summary>
    /// The shard server <paramref name="server"/>'s files in <paramref name="folder"/> say they hold (its optimizer file's
    /// header, not its tensors); null when the file is missing or unreadable (the restore names what is wrong).
    /// </summary>
    public static HeldShard? HeldBy(string folder, int server)
    {
        string path = Path.Combine(folder, OptimizerName(server));
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var header = SafeTensors.ReadHeader(path, stream);
            return header.Metadata.TryGetValue(StateKey, out string? json) && JsonSerializer.Deserialize<ShardMeta>(json) is { } m && m.Server == server
                ? new HeldShard(Path.GetFileName(folder), m.Server, m.Servers, m.Layout ?? "")
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Servers and Layout: the shard's place in the plan's layout (0 and null in files written before they said so).</summary>
    private sealed record ShardMeta(int Server, long Step, int Epoch, int[] Applied, int[] AppliedSamples, string Optimizer, int[] Chunks, long[] Versions, long[] Updates,
        int Servers = 0, string? Layout = null);
}
