using System.Runtime.InteropServices;
using Akka.Actor;
using DistNN.Data;
using DistNN.Nn;
using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;
using DistNN.Protocol.Messages;
using DistNN.Training.Engine;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;

namespace DistNN.Training.Actors;

/// <summary>
/// A worker's model replica, built from the plan once the worker is initialized: runs a batch's forward/backward
/// (clipped and compressed as the plan says), cuts the gradients into one push per server and takes the servers'
/// weights back in.
/// </summary>
internal sealed class WorkerReplica
{
    private readonly Sequential _model;
    private readonly ParameterLayout _layout;
    private readonly ReplicaStep _step;
    private readonly ParameterChunk[][] _chunksByServer;
    private readonly float[][] _ownStorage;
    private readonly GradientCompressor? _compressor;
    private readonly Protocol.Codecs.EncodedValues?[] _encoded;

    /// <param name="servers">Server i owns the chunks the layout gives server i.</param>
    public WorkerReplica(TrainingPlan plan, IReadOnlyList<IActorRef> servers)
    {
        Plan = plan;
        Servers = servers;
        _model = ModelBuilder.Build(Plan.Model, Plan.Seed);
        _layout = ParameterLayout.For(_model, Servers.Count);
        _chunksByServer = Enumerable.Range(0, Servers.Count).Select(s => _layout.ChunksOf(s).ToArray()).ToArray();
        _ownStorage = _layout.Tensors.Select(t => t.Value.Data).ToArray();
        _compressor = GradientCompressor.For(Plan.Compression);
        _encoded = new Protocol.Codecs.EncodedValues?[_layout.Chunks.Count];
        _step = new ReplicaStep(_model, ModelBuilder.CreateLoss(Plan.Model.Loss))
        {
            Augmenter = ReplicaStep.AugmenterFor(Plan.Augmentation, Plan.Seed),
        };
    }

    public TrainingPlan Plan { get; }

    /// <summary>The servers, each as this worker reaches it (directly, or through the plan's carrier).</summary>
    public IReadOnlyList<IActorRef> Servers { get; private set; }

    /// <summary>A lost server was replaced: the same chunks, owned by server i of <paramref name="servers"/> as before.</summary>
    public void Reroute(IReadOnlyList<IActorRef> servers) => Servers = servers.Count == Servers.Count
        ? servers
        : throw new InvalidOperationException($"{servers.Count} servers replace {Servers.Count}: a replacement takes one server's chunks");

    /// <summary>
    /// Forward and backward on the samples at <paramref name="indices"/>, then clipping and compression; the gradients
    /// wait in the replica for <see cref="PushFor"/>. Throws <see cref="NonFiniteException"/> on a non-finite loss.
    /// </summary>
    public (float Loss, int Correct) Compute(Dataset train, ReadOnlySpan<int> indices, long batchNumber)
    {
        var result = _step.Run(train, indices, batchNumber);
        FinishGradients();
        return result;
    }

    /// <summary>The trainable chunks' gradients, where a stand-in for the backward pass writes them (the simulator).</summary>
    public IEnumerable<Memory<float>> Gradients => _layout.Chunks.Where(c => !c.IsState).Select(_layout.GradientOf);

    /// <summary>Clips and compresses the gradients the backward pass (or a stand-in) left, ready for <see cref="PushFor"/>.</summary>
    public void FinishGradients()
    {
        if (Plan.ClipNorm > 0)
        {
            GradientClipping.ClipByGlobalNorm(_model.Parameters, Plan.ClipNorm);
        }
        if (_compressor is not null)
        {
            foreach (var chunk in _layout.Chunks)
            {
                if (!chunk.IsState)
                {
                    // The gradient becomes what the encoding decodes to; the encoded bytes go to servers on other nodes.
                    _encoded[chunk.Id] = _compressor.Apply(chunk, _layout.GradientOf(chunk));
                }
            }
        }
    }

    /// <summary>Server <paramref name="server"/>'s share of the last computed gradients (by reference) and state.</summary>
    public PushGradients PushFor(int server, string worker, long incarnation, long step, int epoch, int batch, int samples, double progress)
    {
        var gradients = new List<ChunkValues>();
        var state = new List<ChunkValues>();
        foreach (var chunk in _chunksByServer[server])
        {
            if (chunk.IsState)
            {
                state.Add(new ChunkValues(chunk.Id, 0, _layout.ValuesOf(chunk)));
            }
            else
            {
                gradients.Add(new ChunkValues(chunk.Id, 0, _layout.GradientOf(chunk)) { Encoded = _encoded[chunk.Id] });
            }
        }
        return new PushGradients(worker, step, epoch, batch, samples, progress, gradients, state, incarnation);
    }

    /// <summary>
    /// Takes the servers' values into the replica. A push reply's weight arrays stay as they are until this worker
    /// pushes again — in sync mode they are the server's, lent to this worker; otherwise the transport's receive arrays
    /// for it, reused at its next-but-one reply — so a chunk that is a whole tensor is used in place instead of copied.
    /// Each value's loan is checked first (a loan that already ended throws). State (running statistics) is written by
    /// the replica's own forward pass and always copied.
    /// </summary>
    public void TakeValues(IReadOnlyList<ChunkValues> values, bool share)
    {
        foreach (var v in values)
        {
            v.Loan?.EnsureValid();
            var chunk = _layout.Chunks[v.ChunkId];
            var tensor = _layout.Tensors[chunk.TensorIndex].Value;
            if (share && !chunk.IsState && chunk.OffsetInTensor == 0 && chunk.Length == tensor.Length
                && MemoryMarshal.TryGetArray(v.Values, out var segment) && segment.Offset == 0 && segment.Array!.Length >= chunk.Length)
            {
                tensor.UseStorage(segment.Array);
                continue;
            }
            if (!ReferenceEquals(tensor.Data, _ownStorage[chunk.TensorIndex]))
            {
                // Back to this replica's own array before writing: the shared one belongs to a server.
                tensor.UseStorage(_ownStorage[chunk.TensorIndex]);
            }
            v.Values.Span.CopyTo(_layout.ValuesOf(chunk).Span);
        }
    }
}
