using DistNN.Nn;
using DistNN.Nn.Models;

namespace DistNN.Training.Parameters;

/// <summary>One piece of one named tensor: Length floats starting at OffsetInTensor, owned by one server.</summary>
public sealed record ParameterChunk(int Id, int TensorIndex, string TensorName, int OffsetInTensor, int Length, bool Regularize, bool IsState, int Server);

/// <summary>
/// A model's parameters as one flat list of named tensors (trainable ones in layer order, then state),
/// cut into chunks of at most MaxChunkFloats and assigned to servers balanced by bytes (largest chunk first
/// to the least-loaded server). Deterministic: every node derives the same layout from the same spec.
/// </summary>
public sealed class ParameterLayout
{
    /// <summary>With several servers, tensors are cut into chunks of at most this many floats (512 KiB) to balance them.</summary>
    public const int DefaultMaxChunkFloats = 1 << 17;

    private ParameterLayout(IReadOnlyList<Parameter> tensors, IReadOnlyList<ParameterChunk> chunks, int servers)
    {
        Tensors = tensors;
        Chunks = chunks;
        ServerCount = servers;
    }

    /// <summary>The model's tensors in layout order (index = ParameterChunk.TensorIndex).</summary>
    public IReadOnlyList<Parameter> Tensors { get; }

    public IReadOnlyList<ParameterChunk> Chunks { get; }

    public int ServerCount { get; }

    public IEnumerable<ParameterChunk> ChunksOf(int server) => Chunks.Where(c => c.Server == server);

    public long FloatsOf(int server) => ChunksOf(server).Sum(c => (long)c.Length);

    /// <summary>
    /// The layout every node derives for <paramref name="servers"/> servers. One server keeps every tensor whole
    /// (a chunk per tensor, which lets a worker in the same process take the server's weights without copying);
    /// several cut tensors into chunks of at most <paramref name="maxChunkFloats"/> to balance the bytes.
    /// </summary>
    public static ParameterLayout For(Sequential model, int servers, int? maxChunkFloats = null)
    {
        int limit = maxChunkFloats ?? (servers == 1 ? int.MaxValue : DefaultMaxChunkFloats);
        if (servers <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(servers), servers, "at least one parameter server is needed");
        }
        if (limit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxChunkFloats), limit, "chunks must hold at least one float");
        }
        var tensors = model.Parameters.Concat(model.State).ToList();
        var pieces = new List<(int Tensor, int Offset, int Length)>();
        for (int t = 0; t < tensors.Count; t++)
        {
            int length = tensors[t].Value.Length;
            for (long offset = 0; offset < length; offset += limit)
            {
                pieces.Add((t, (int)offset, (int)Math.Min(limit, length - offset)));
            }
        }
        var owner = new int[pieces.Count];
        var load = new long[servers];
        foreach (int i in Enumerable.Range(0, pieces.Count).OrderByDescending(i => pieces[i].Length).ThenBy(i => i))
        {
            int target = 0;
            for (int s = 1; s < servers; s++)
            {
                if (load[s] < load[target])
                {
                    target = s;
                }
            }
            owner[i] = target;
            load[target] += pieces[i].Length;
        }
        var chunks = pieces.Select((p, i) => new ParameterChunk(i, p.Tensor, tensors[p.Tensor].Name, p.Offset, p.Length,
            tensors[p.Tensor].Regularize, tensors[p.Tensor].IsState, owner[i])).ToList();
        return new ParameterLayout(tensors, chunks, servers);
    }

    /// <summary>The slice of the chunk's tensor values in <paramref name="model"/> (same layout order).</summary>
    public Memory<float> ValuesOf(ParameterChunk chunk) =>
        Tensors[chunk.TensorIndex].Value.Data.AsMemory(chunk.OffsetInTensor, chunk.Length);

    public Memory<float> GradientOf(ParameterChunk chunk) =>
        Tensors[chunk.TensorIndex].Grad!.Data.AsMemory(chunk.OffsetInTensor, chunk.Length);
}
