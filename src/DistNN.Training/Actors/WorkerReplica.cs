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
/// (clipped and compressed as the plan says), cuts the gradients into pushes per server and takes the servers'
/// weights back in. With the plan's overlap (and no clipping), a server's push comes in parts, one per layer that holds
/// some of its chunks, each sent as soon as the backward pass has finished that layer (last layer first); state (BatchNorm
/// statistics) goes in the last part.
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

    /// <summary>Per server, the chunks of each push part in sending order, and the layer after whose backward each part is final.</summary>
    private (ParameterChunk[] Chunks, int Layer)[][] _partsByServer;

    private bool[][] _sent = [];
    private Action<int, int>? _send;

    /// <param name="servers">Server i owns the chunks the layout gives server i.</param>
    /// <param name="local">Which servers are in the worker's own process (no network to hide: one push, unless the plan's overlap is All).</param>
    public WorkerReplica(TrainingPlan plan, IReadOnlyList<IActorRef> servers, IReadOnlyList<bool>? local = null)
    {
        Plan = plan;
        Servers = servers;
        _model = ModelBuilder.Build(Plan.Model, Plan.Seed);
        _layout = ParameterLayout.For(_model, Servers.Count);
        _chunksByServer = Enumerable.Range(0, Servers.Count).Select(s => _layout.ChunksOf(s).ToArray()).ToArray();
        _ownStorage = _layout.Tensors.Select(t => t.Value.Data).ToArray();
        _compressor = GradientCompressor.For(Plan.Compression);
        _encoded = new Protocol.Codecs.EncodedValues?[_layout.Chunks.Count];
        _partsByServer = PartsFor(local);
        _step = new ReplicaStep(_model, ModelBuilder.CreateLoss(Plan.Model.Loss))
        {
            Augmenter = ReplicaStep.AugmenterFor(Plan.Augmentation, Plan.Seed),
        };
    }

    public TrainingPlan Plan { get; }

    /// <summary>The servers, each as this worker reaches it (directly, or through the plan's carrier).</summary>
    public IReadOnlyList<IActorRef> Servers { get; private set; }

    /// <summary>A lost server was replaced: the same chunks, owned by server i of <paramref name="servers"/> as before.</summary>
    public void Reroute(IReadOnlyList<IActorRef> servers, IReadOnlyList<bool>? local = null)
    {
        Servers = servers.Count == Servers.Count
            ? servers
            : throw new InvalidOperationException($"{servers.Count} servers replace {Servers.Count}: a replacement takes one server's chunks");
        _partsByServer = PartsFor(local);
    }

    /// <summary>True when some push goes in parts as the backward pass produces them: the plan asks for it, nothing needs every gradient first.</summary>
    public bool Overlaps => _partsByServer.Any(p => p.Length > 1);

    /// <summary>The server that owns chunk <paramref name="chunkId"/>.</summary>
    public int ServerOf(int chunkId) => _layout.Chunks[chunkId].Server;

    /// <summary>True when part <paramref name="part"/> of a push to <paramref name="server"/> carries no chunk (a server that owns none).</summary>
    public bool IsEmptyPart(int server, int part) => part < _partsByServer[server].Length && _partsByServer[server][part].Chunks.Length == 0;

    /// <summary>
    /// Forward and backward on the samples at <paramref name="indices"/>, then clipping and compression; the gradients
    /// wait in the replica for <see cref="PushFor"/>, or, between <see cref="BeginParts"/> and <see cref="EndParts"/>, each
    /// part is compressed and handed to the sender as the backward pass finishes it. Throws
    /// <see cref="NonFiniteException"/> on a non-finite loss.
    /// </summary>
    /// <remarks>
    /// Once <paramref name="stop"/> is cancelled (the run is being stopped) the batch is abandoned, throwing
    /// <see cref="OperationCanceledException"/>, at the next point where nothing of its push has been handed out: before a
    /// layer of the forward pass, before the backward pass, between its layers while no part has gone. A push begun is
    /// finished: its first parts may have entered a server's chunks, and a batch in some of a server's chunks only is a
    /// state neither a checkpoint nor the servers' accounting can say.
    /// </remarks>
    public (float Loss, int Correct) Compute(Dataset train, ReadOnlySpan<int> indices, long batchNumber, CancellationToken stop = default)
    {
        _stop = stop;
        try
        {
            var result = _step.Run(train, indices, batchNumber, _send is null && !stop.CanBeCanceled ? null : LayerDone, stop);
            FinishGradients();
            return result;
        }
        finally
        {
            _stop = default;
        }
    }

    /// <summary>True when a part of the push under way has been handed out (<see cref="BeginParts"/>): the batch can no longer be abandoned.</summary>
    private bool _anyPartSent;

    private CancellationToken _stop;

    /// <summary>
    /// Until <see cref="EndParts"/>, the backward pass hands each finished part to <paramref name="send"/> (server, part):
    /// the caller pushes it with <see cref="PartFor"/>.
    /// </summary>
    public void BeginParts(Action<int, int> send)
    {
        _send = send;
        _anyPartSent = false;
        if (_sent.Length != Servers.Count || _sent.Zip(_partsByServer).Any(p => p.First.Length != p.Second.Length))
        {
            _sent = _partsByServer.Select(p => new bool[p.Length]).ToArray();
        }
        foreach (bool[] sent in _sent)
        {
            Array.Clear(sent);
        }
    }

    /// <summary>Stops handing parts out (the backward pass sent all of them, or none: then the push goes whole).</summary>
    public void EndParts()
    {
        _send = null;
        _anyPartSent = false;
    }

    /// <summary>The model's layers (the backward pass finishes them last first).</summary>
    public int LayerCount => _model.Layers.Count;

    /// <summary>
    /// Layer <paramref name="layer"/>'s gradients are final: its parts go to the sender (between <see cref="BeginParts"/>
    /// and <see cref="EndParts"/>; else nothing). The backward pass calls it, or the simulator's stand-in for it.
    /// </summary>
    public void LayerDone(int layer)
    {
        if (!_anyPartSent && _stop.IsCancellationRequested)
        {
            _stop.ThrowIfCancellationRequested(); // abandoned: nothing of this batch has gone to a server
        }
        if (_send is null)
        {
            return;
        }
        for (int s = 0; s < _partsByServer.Length; s++)
        {
            var parts = _partsByServer[s];
            for (int p = 0; p < parts.Length; p++)
            {
                if (parts[p].Layer == layer && !_sent[s][p])
                {
                    Compress(parts[p].Chunks);
                    _sent[s][p] = true;
                    _anyPartSent = true;
                    _send!(s, p);
                }
            }
        }
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
        if (_send is null)
        {
            Compress(_layout.Chunks);
            return;
        }
        for (int s = 0; s < _partsByServer.Length; s++)
        {
            for (int p = 0; p < _partsByServer[s].Length; p++)
            {
                if (!_sent[s][p])
                {
                    Compress(_partsByServer[s][p].Chunks); // not sent by the backward pass (a stand-in computed the batch)
                }
            }
        }
    }

    private void Compress(IEnumerable<ParameterChunk> chunks)
    {
        if (_compressor is null)
        {
            return;
        }
        foreach (var chunk in chunks)
        {
            if (!chunk.IsState)
            {
                // The gradient becomes what the encoding decodes to; the encoded bytes go to servers on other nodes.
                _encoded[chunk.Id] = _compressor.Apply(chunk, _layout.GradientOf(chunk));
            }
        }
    }

    /// <summary>
    /// Each server's push parts: cut by layer where the plan's overlap reaches that server and no clipping needs every
    /// gradient first; else one part, due when the backward pass ends.
    /// </summary>
    private (ParameterChunk[] Chunks, int Layer)[][] PartsFor(IReadOnlyList<bool>? local) =>
        Enumerable.Range(0, _chunksByServer.Length).Select(s =>
            Plan.ClipNorm <= 0 && (Plan.Overlap == OverlapMode.All || Plan.Overlap == OverlapMode.Remote && local?[s] != true)
                ? CutParts(_chunksByServer[s])
                : [(_chunksByServer[s], 0)]).ToArray();

    /// <summary>
    /// A server's chunks as push parts: the trainable ones grouped by the layer that owns them, last layer first, the
    /// state in the last part (a server with no trainable chunk has one part, final after the first layer).
    /// </summary>
    private (ParameterChunk[] Chunks, int Layer)[] CutParts(ParameterChunk[] chunks)
    {
        var layerOf = new Dictionary<Parameter, int>(ReferenceEqualityComparer.Instance);
        for (int l = 0; l < _model.Layers.Count; l++)
        {
            foreach (var p in _model.Layers[l].Parameters)
            {
                layerOf[p] = l;
            }
        }
        var parts = chunks.Where(c => !c.IsState)
            .GroupBy(c => layerOf[_layout.Tensors[c.TensorIndex]])
            .OrderByDescending(g => g.Key)
            .Select(g => (Chunks: g.ToArray(), Layer: g.Key))
            .ToList();
        var state = chunks.Where(c => c.IsState).ToArray();
        if (parts.Count == 0)
        {
            return [(state, 0)];
        }
        parts[^1] = (parts[^1].Chunks.Concat(state).ToArray(), parts[^1].Layer);
        return parts.ToArray();
    }

    /// <summary>Server <paramref name="server"/>'s share of the last computed gradients (by reference) and state.</summary>
    public PushGradients PushFor(int server, string worker, long incarnation, int generation, long step, int epoch, int batch, int samples, double progress) =>
        Push(_chunksByServer[server], worker, incarnation, generation, step, epoch, batch, samples, progress);

    /// <summary>Part <paramref name="part"/> of server <paramref name="server"/>'s push: its chunks' gradients (by reference), state in the last.</summary>
    public PushGradients PartFor(int server, int part, string worker, long incarnation, int generation, long step, int epoch, int batch, int samples, double progress) =>
        Push(_partsByServer[server][part].Chunks, worker, incarnation, generation, step, epoch, batch, samples, progress)
            with { Part = part, Parts = _partsByServer[server].Length };

    private PushGradients Push(ParameterChunk[] chunks, string worker, long incarnation, int generation, long step, int epoch, int batch, int samples, double progress)
    {
        var gradients = new List<ChunkValues>();
        var state = new List<ChunkValues>();
        foreach (var chunk in chunks)
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
        return new PushGradients(worker, step, epoch, batch, samples, progress, gradients, state, incarnation, Generation: generation);
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
