using Akka.Actor;
using Akka.Event;
using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Ownership;
using DistNN.Training.Accounting;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;

namespace DistNN.Training.Actors;

/// <summary>
/// A parameter server's state once initialized: its share of the model's chunks, their optimizer state, and the
/// bookkeeping of pushes. Applies each push once: (worker, step) is idempotent and (epoch, batch) is applied at most
/// once whoever sends it; a push from a worker or incarnation that is not live, or of an epoch already left, is refused
/// (answered as such, its batch not applied). The applied batches are what it reports to the coordinator. sync: applies when every active live worker has a push pending, averaged by samples.
/// async: applies on arrival. ssp: applies on arrival, but holds the reply of a worker more than `staleness` pushes
/// ahead of the slowest active one. Runs inside <see cref="ParameterServer"/>'s serving phase.
/// </summary>
internal sealed partial class ServerShard
{
    private readonly ILoggingAdapter _log;
    private readonly TrainingPlan _plan;
    private readonly ParameterChunk[] _chunks;
    private readonly Dictionary<int, int> _local = [];
    private readonly float[][] _weights;
    private readonly float[][] _optState;
    private readonly float[][] _sum;
    private readonly long[] _versions;
    private readonly long[] _updates;
    private readonly Optimizer _rule;
    private readonly LearningRateSchedule _schedule;

    /// <summary>Local indices of the trainable chunks and of the state chunks (read on every reply).</summary>
    private readonly int[] _weightChunks;

    private readonly int[] _stateChunks;

    /// <summary>Who may read the weight arrays and the state arrays, and until when.</summary>
    private readonly Lease _weightsLease;

    private readonly Lease _stateLease;

    private readonly int _index;
    private readonly LiveIncarnations _live = new();
    private readonly HashSet<string> _active = [];
    private readonly Dictionary<string, long> _lastStep = [];
    private readonly Dictionary<string, (PushGradients Push, IActorRef Sender)> _pending = [];
    private readonly Dictionary<string, int> _clock = [];
    private readonly List<(string Worker, long Step, IActorRef Sender)> _held = [];
    private readonly Dictionary<string, float[][]> _workerState = [];
    private readonly AppliedBatches _applied = new();
    private int _epoch;

    /// <summary>Builds server <paramref name="index"/> of <paramref name="count"/>'s chunks from the plan's spec and seed.</summary>
    public ServerShard(TrainingPlan plan, int index, int count, ILoggingAdapter log)
    {
        _log = log;
        _plan = plan;
        _index = index;
        var model = ModelBuilder.Build(_plan.Model, _plan.Seed);
        var layout = ParameterLayout.For(model, count);
        _chunks = layout.ChunksOf(index).ToArray();
        for (int i = 0; i < _chunks.Length; i++)
        {
            _local[_chunks[i].Id] = i;
        }
        _rule = _plan.Optimizer.Create();
        _schedule = _plan.Schedule;
        _weights = _chunks.Select(c => layout.ValuesOf(c).ToArray()).ToArray();
        _weightChunks = Enumerable.Range(0, _chunks.Length).Where(i => !_chunks[i].IsState).ToArray();
        _stateChunks = Enumerable.Range(0, _chunks.Length).Where(i => _chunks[i].IsState).ToArray();
        _optState = _chunks.Select(c => new float[c.IsState ? 0 : _rule.StateSlots * c.Length]).ToArray();
        _sum = _chunks.Select(c => new float[c.IsState ? 0 : c.Length]).ToArray();
        _versions = new long[_chunks.Length];
        _updates = new long[_chunks.Length];
        _weightsLease = new Lease($"parameter server {index}'s weights");
        _stateLease = new Lease($"parameter server {index}'s state");
    }

    public int ChunkCount => _chunks.Length;

    public long FloatCount => _chunks.Sum(c => (long)c.Length);

    /// <summary>A pull (at start, after idling, for evaluation) gets a copy of its own: whoever asked may keep it.</summary>
    public void OnPull(PullWeights p, IActorRef sender) =>
        sender.Tell(new WeightsReply(p.RequestId, Snapshot(_weightChunks, null), Snapshot(_stateChunks, null)));

    /// <summary>
    /// The batches of the epoch this server has applied, for the coordinator's count (a server restored to that epoch's
    /// end, which no push has reached since, reports the batches of its checkpoint).
    /// </summary>
    public void OnReportApplied(ReportApplied report, IActorRef sender)
    {
        if (report.Epoch > _epoch)
        {
            StartEpoch(report.Epoch);
        }
        sender.Tell(_applied.Report(_index, report.Epoch));
    }

    /// <summary>
    /// A worker that left, or is live now as another incarnation (restarted under its name), is forgotten: its last
    /// step, pending push and state, so that a new incarnation starts clean.
    /// </summary>
    public void OnLiveWorkers(LiveWorkers live)
    {
        foreach (string stale in _live.Update(live))
        {
            _weightsLease.Return(stale);
            _active.Remove(stale);
            _pending.Remove(stale);
            _clock.Remove(stale);
            _workerState.Remove(stale);
            _lastStep.Remove(stale);
        }
        Progress();
    }

    public void OnIdle(WorkerIdle idle)
    {
        if (idle.Epoch > _epoch)
        {
            StartEpoch(idle.Epoch);
        }
        if (_live.IsSuperseded(idle.Worker, idle.Incarnation))
        {
            return;
        }
        _weightsLease.Return(idle.Worker);
        if (idle.Epoch == _epoch)
        {
            _active.Remove(idle.Worker);
            Progress();
        }
    }

    public void OnPush(PushGradients push, IActorRef sender)
    {
        if (_live.Refusal(push.Worker, push.Incarnation) is string notLive)
        {
            Refuse(push, sender, notLive);
            return;
        }
        _weightsLease.Return(push.Worker); // a worker pushes only once it is done with the weights it was lent
        if (push.Epoch > _epoch)
        {
            StartEpoch(push.Epoch);
        }
        else if (push.Epoch < _epoch)
        {
            Refuse(push, sender, $"epoch {push.Epoch} is over (the server is in epoch {_epoch})");
            return;
        }
        if (_lastStep.TryGetValue(push.Worker, out long last) && push.Step <= last)
        {
            // A repeated (worker, step), e.g. sent again after its connection dropped. If the first one's reply is
            // still held back (a sync round, the ssp bound), it goes to the new sender when due, once; otherwise
            // answer now with the weights, applying nothing, counting nothing.
            if (_pending.TryGetValue(push.Worker, out var pending) && pending.Push.Step == push.Step)
            {
                _pending[push.Worker] = (pending.Push, sender);
                return;
            }
            int held = _held.FindIndex(h => h.Worker == push.Worker && h.Step == push.Step);
            if (held >= 0)
            {
                _held[held] = (push.Worker, push.Step, sender);
                return;
            }
            sender.Tell(Reply(push.Worker, push.Step, applied: false));
            return;
        }
        _lastStep[push.Worker] = push.Step;
        _active.Add(push.Worker);
        KeepState(push);
        switch (_plan.Mode)
        {
            case ConsistencyMode.Sync:
                _pending[push.Worker] = (push, sender);
                Progress();
                break;
            case ConsistencyMode.Async:
                bool applied = Apply([push]);
                sender.Tell(Reply(push.Worker, push.Step, applied));
                break;
            case ConsistencyMode.Ssp:
                Apply([push]);
                _clock[push.Worker] = _clock.GetValueOrDefault(push.Worker) + 1;
                _held.Add((push.Worker, push.Step, sender));
                Progress();
                break;
        }
    }

    /// <summary>Answers a push as refused: no weights, its batch not applied (the worker reports it, the batch is dealt again).</summary>
    private void Refuse(PushGradients push, IActorRef sender, string reason)
    {
        string refused = $"parameter server {_index} refused batch {push.BatchId} of epoch {push.Epoch}: {reason}";
        _log.Warning(refused);
        sender.Tell(new PushReply(push.Step, false, [], [], refused));
    }

    private void StartEpoch(int epoch)
    {
        _epoch = epoch;
        _applied.StartEpoch(epoch);
        ReapplyRestored(epoch);
        _active.Clear();
        _active.UnionWith(_live.Names);
        _clock.Clear();
    }

    /// <summary>Releases what the mode allows: a sync round when all active workers are in, ssp replies within the bound.</summary>
    private void Progress()
    {
        if (_plan.Mode == ConsistencyMode.Sync)
        {
            if (_pending.Count > 0 && _active.All(_pending.ContainsKey))
            {
                var round = _pending.Values.ToList();
                _pending.Clear();
                bool applied = Apply(round.Select(r => r.Push).ToList());
                foreach (var (push, sender) in round)
                {
                    sender.Tell(Reply(push.Worker, push.Step, applied));
                }
            }
        }
        else if (_plan.Mode == ConsistencyMode.Ssp)
        {
            int slowest = _active.Count == 0 ? int.MaxValue : _active.Min(w => _clock.GetValueOrDefault(w));
            for (int i = 0; i < _held.Count; i++)
            {
                var (worker, step, sender) = _held[i];
                if (!_live.Contains(worker) || _clock.GetValueOrDefault(worker) - slowest <= _plan.Staleness)
                {
                    sender.Tell(Reply(worker, step, applied: true));
                    _held.RemoveAt(i--);
                }
            }
        }
    }

    /// <summary>One optimizer step from the sample-weighted mean of the pushes' gradients; batches already applied count as zero samples.</summary>
    private bool Apply(IReadOnlyList<PushGradients> pushes)
    {
        var fresh = pushes.Where(p => p.Samples > 0 && _applied.TryAdd(p.BatchId, p.Samples)).ToList();
        long samples = fresh.Sum(p => (long)p.Samples);
        if (samples == 0)
        {
            return false;
        }
        _weightsLease.BeginWrite();
        // Progress is (epoch − 1) + fraction of the epoch; the schedule wants the fraction of the whole run.
        _rule.LearningRate = _schedule.LearningRate(_plan.Optimizer.LearningRate, (int)Math.Floor(fresh[0].Progress), fresh[0].Progress / _plan.Epochs);
        for (int i = 0; i < _chunks.Length; i++)
        {
            if (_chunks[i].IsState)
            {
                continue;
            }
            ReadOnlySpan<float> gradient;
            if (fresh.Count == 1)
            {
                gradient = Find(fresh[0].Gradients, _chunks[i].Id).Span;
            }
            else
            {
                var sum = _sum[i].AsSpan();
                sum.Clear();
                foreach (var p in fresh)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(Find(p.Gradients, _chunks[i].Id).Span, (float)p.Samples / samples, sum, sum);
                }
                gradient = sum;
            }
            _updates[i]++;
            _rule.Update(_weights[i], gradient, _optState[i], _updates[i], _chunks[i].Regularize);
            _versions[i]++;
        }
        foreach (var p in fresh)
        {
            _applied.EnteredWeights(p.BatchId, p.Samples);
        }
        _steps++;
        return true;
    }

    private static ReadOnlyMemory<float> Find(IReadOnlyList<ChunkValues> values, int chunkId)
    {
        foreach (var v in values)
        {
            if (v.ChunkId == chunkId)
            {
                return v.Values;
            }
        }
        throw new InvalidOperationException($"push lacks chunk {chunkId}");
    }

    /// <summary>State (running statistics) is the mean of every live worker's latest push.</summary>
    private void KeepState(PushGradients push)
    {
        if (push.State.Count == 0)
        {
            return;
        }
        if (!_workerState.TryGetValue(push.Worker, out var mine))
        {
            mine = _chunks.Select(c => new float[c.IsState ? c.Length : 0]).ToArray();
            _workerState[push.Worker] = mine;
        }
        foreach (var v in push.State)
        {
            if (_local.TryGetValue(v.ChunkId, out int i))
            {
                v.Values.Span.CopyTo(mine[i]);
            }
        }
        _stateLease.BeginWrite();
        foreach (int i in _stateChunks)
        {
            var target = _weights[i].AsSpan();
            target.Clear();
            foreach (var s in _workerState.Values)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(target, s[i], target);
            }
            System.Numerics.Tensors.TensorPrimitives.Multiply(target, 1f / _workerState.Count, target);
            _versions[i]++;
        }
    }

    /// <summary>
    /// The reply carries the weights by reference. In sync mode they are lent to the worker until it pushes again, and
    /// nothing writes them before every active worker has (its <see cref="Lease"/> checks that); otherwise they are lent
    /// until the next write, and the transport copies them (in process) or serializes them before its Tell returns.
    /// </summary>
    private PushReply Reply(string worker, long step, bool applied) => new(step, applied,
        Snapshot(_weightChunks, _plan.Mode == ConsistencyMode.Sync ? _weightsLease.Lend(worker) : _weightsLease.Current),
        Snapshot(_stateChunks, _stateLease.Current));

    /// <summary>The chunks' values: lent under <paramref name="loan"/>, or copied when there is none.</summary>
    private List<ChunkValues> Snapshot(int[] which, Loan? loan)
    {
        var list = new List<ChunkValues>(which.Length);
        foreach (int i in which)
        {
            list.Add(new ChunkValues(_chunks[i].Id, _versions[i], loan is null ? _weights[i].ToArray() : _weights[i]) { Loan = loan });
        }
        return list;
    }
}
