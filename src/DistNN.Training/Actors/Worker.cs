using System.Diagnostics;
using System.Runtime.InteropServices;
using Akka.Actor;
using DistNN.Data;
using DistNN.Nn;
using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;
using DistNN.Protocol.Messages;
using DistNN.Tensors;
using DistNN.Training.Engine;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;

namespace DistNN.Training.Actors;

/// <summary>
/// A model replica. Loops: next batch → forward/backward (on a thread of the process's shared compute pool) → push each server its
/// chunks' gradients → take the weights from the replies → report the batch to the coordinator.
/// </summary>
public sealed class Worker : ReceiveActor
{
    private readonly string _name;
    private readonly IActorRef _coordinator;
    private readonly IDataSource _data;
    private readonly int _threads;
    private TrainingPlan _plan = null!;
    private Sequential _model = null!;
    private ParameterLayout _layout = null!;
    private ReplicaStep _step = null!;
    private IReadOnlyList<IActorRef> _servers = [];
    private ParameterChunk[][] _chunksByServer = [];
    private readonly Queue<int> _queue = new();
    private int[] _permutation = [];
    private int _epoch;
    private int _totalBatches;
    private long _stepCount;
    private int _awaiting;
    private bool _busy;
    private bool _resuming;
    private float[][] _ownStorage = [];
    private GradientCompressor? _compressor;
    private Protocol.Codecs.EncodedValues?[] _encoded = [];
    private (int Batch, int Samples, float Loss, int Correct, double Compute) _current;
    private long _pushedAt;
    private long _pullId;

    public Worker(string name, IActorRef coordinator, IDataSource data, int threads)
    {
        _name = name;
        _coordinator = coordinator;
        _data = data;
        _threads = threads;
        Receive<InitWorker>(Init);
        Receive<WeightsReply>(OnWeights);
        Receive<AssignBatches>(OnAssign);
        Receive<PushReply>(OnReply);
        // A push or pull lost with its data-plane connection that could not be sent again: no reply will come.
        Receive<Transport.TensorRequestFailed>(f => _coordinator.Tell(new TrainingFailed($"worker {_name}: {f.Reason}")));
    }

    public static Props Props(string name, IActorRef coordinator, IDataSource data, int threads) =>
        Akka.Actor.Props.Create(() => new Worker(name, coordinator, data, threads)).WithDispatcher(DistNNDispatchers.Compute);

    protected override void PreStart() => _coordinator.Tell(new RegisterWorker(Self, _name));

    private void Init(InitWorker init)
    {
        try
        {
            InitCore(init);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _coordinator.Tell(new TrainingFailed($"worker {_name}: {e.Message}"));
        }
    }

    private void InitCore(InitWorker init)
    {
        ComputeThreads.Current = _threads;
        _plan = TrainingPlanJson.Parse(init.PlanJson);
        (_data as IPlanDataSource)?.Prepare(_plan);
        // Servers of this ActorSystem directly (by reference); those on other nodes through the plan's carrier.
        _servers = Carriers.TensorRouting.Route(Context.System, init.Servers, init.DataPlanes, _plan);
        _model = ModelBuilder.Build(_plan.Model, _plan.Seed);
        _layout = ParameterLayout.For(_model, _servers.Count);
        _chunksByServer = Enumerable.Range(0, _servers.Count).Select(s => _layout.ChunksOf(s).ToArray()).ToArray();
        _ownStorage = _layout.Tensors.Select(t => t.Value.Data).ToArray();
        _compressor = GradientCompressor.For(_plan.Compression);
        _encoded = new Protocol.Codecs.EncodedValues?[_layout.Chunks.Count];
        _step = new ReplicaStep(_model, ModelBuilder.CreateLoss(_plan.Model.Loss))
        {
            Augmenter = ReplicaStep.AugmenterFor(_plan.Augment, _plan.Seed),
        };
        _awaiting = _servers.Count;
        foreach (var server in _servers)
        {
            server.Tell(new PullWeights(++_pullId));
        }
    }

    private void OnWeights(WeightsReply reply)
    {
        TakeValues(reply.Weights, share: false);
        TakeValues(reply.State, share: false);
        if (--_awaiting > 0)
        {
            return;
        }
        if (_resuming)
        {
            _resuming = false;
            Next();
        }
        else
        {
            _coordinator.Tell(new WorkerReady(_name));
        }
    }

    private void OnAssign(AssignBatches assign)
    {
        if (assign.TotalBatches != (_data.Train.Count + _plan.BatchSize - 1) / _plan.BatchSize)
        {
            // A node whose data differs from the coordinator's would train on other samples than the plan deals out.
            _coordinator.Tell(new TrainingFailed($"worker {_name} has {_data.Train.Count} training samples, but the coordinator "
                + $"cut the epoch into {assign.TotalBatches} batches of {_plan.BatchSize}: every node must load the same data set"));
            return;
        }
        if (assign.Epoch != _epoch)
        {
            _epoch = assign.Epoch;
            _queue.Clear();
            _totalBatches = assign.TotalBatches;
            _permutation = Shuffle.Permutation(_data.Train.Count, _plan.Seed, _epoch);
        }
        foreach (int id in assign.BatchIds)
        {
            _queue.Enqueue(id);
        }
        if (!_busy)
        {
            // Idle until now: the servers may have moved on without this worker, so start from their current weights.
            _busy = true;
            _resuming = true;
            _awaiting = _servers.Count;
            foreach (var server in _servers)
            {
                server.Tell(new PullWeights(++_pullId));
            }
        }
    }

    private void Next()
    {
        if (!_queue.TryDequeue(out int batch))
        {
            _busy = false;
            foreach (var server in _servers)
            {
                server.Tell(new WorkerIdle(_name, _epoch));
            }
            return;
        }
        _busy = true;
        ComputeThreads.Current = _threads; // the pool may run this actor on another of its threads than last time
        int start = batch * _plan.BatchSize;
        var indices = _permutation.AsSpan(start, Math.Min(_plan.BatchSize, _permutation.Length - start));
        long t0 = Stopwatch.GetTimestamp();
        float loss;
        int correct;
        try
        {
            (loss, correct) = _step.Run(_data.Train, indices, (long)(_epoch - 1) * _totalBatches + batch);
        }
        catch (NonFiniteException e)
        {
            _coordinator.Tell(new TrainingFailed($"worker {_name}, epoch {_epoch}, batch {batch}: {e.Message}"));
            _busy = false;
            return;
        }
        if (_plan.ClipNorm > 0)
        {
            GradientClipping.ClipByGlobalNorm(_model.Parameters, _plan.ClipNorm);
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
        _pushedAt = Stopwatch.GetTimestamp();
        _current = (batch, indices.Length, loss, correct, Stopwatch.GetElapsedTime(t0, _pushedAt).TotalSeconds);
        _stepCount++;
        double progress = _epoch - 1 + (double)batch / Math.Max(1, _totalBatches);
        _awaiting = _servers.Count;
        for (int s = 0; s < _servers.Count; s++)
        {
            var gradients = new List<ChunkValues>();
            var state = new List<ChunkValues>();
            foreach (var chunk in _chunksByServer[s])
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
            _servers[s].Tell(new PushGradients(_name, _stepCount, _epoch, batch, indices.Length, progress, gradients, state));
        }
    }

    private void OnReply(PushReply reply)
    {
        if (reply.Step != _stepCount)
        {
            return;
        }
        TakeValues(reply.Weights, share: true);
        TakeValues(reply.State, share: false);
        if (--_awaiting > 0)
        {
            return;
        }
        var c = _current;
        var (sent, received) = Carriers.TensorTransports.Get(Context.System).Counters.BytesOf(Self);
        _coordinator.Tell(new BatchDone(_name, _epoch, c.Batch, c.Samples, c.Loss, c.Correct, c.Compute, Stopwatch.GetElapsedTime(_pushedAt).TotalSeconds,
            sent, received));
        Next();
    }

    /// <summary>
    /// Takes the servers' values into the replica. A push reply's weight arrays stay as they are until this worker
    /// pushes again — in sync mode they are the server's, lent to this worker; otherwise the transport's receive arrays
    /// for it, reused at its next-but-one reply — so a chunk that is a whole tensor is used in place instead of copied.
    /// Each value's loan is checked first (a loan that already ended throws). State (running statistics) is written by
    /// the replica's own forward pass and always copied.
    /// </summary>
    private void TakeValues(IReadOnlyList<ChunkValues> values, bool share)
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
