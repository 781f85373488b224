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
/// (answered as such, every part of it, its batch not applied). The applied batches are what it reports to the
/// coordinator; a batch counts only once its gradient is in every chunk. A push may come in parts (<see cref="OpenPush"/>),
/// and each chunk has rounds of its own. sync: a chunk is applied when every active live worker's push has it in,
/// averaged by samples, and each part is answered as soon as its chunks are. async: each part applied on arrival. ssp:
/// applied on arrival, but the replies of a worker more than `staleness` pushes ahead of the slowest active one are held.
/// Runs inside <see cref="ParameterServer"/>'s serving phase.
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

    /// <summary>Who may read each trainable chunk's weight array (null for state chunks) and the state arrays, and until when.</summary>
    private readonly Lease?[] _weightLeases;

    private readonly Lease _stateLease;

    private readonly int _index;
    private readonly LiveIncarnations _live = new();
    private readonly HashSet<string> _active = [];
    private readonly Dictionary<string, long> _lastStep = [];
    /// <summary>Each worker's push under way: some part in, not every chunk applied yet.</summary>
    private readonly Dictionary<string, OpenPush> _open = new(StringComparer.Ordinal);

    /// <summary>The pushes of a chunk's round whose gradient enters it, and a round's pushes: reused, a round per chunk per step.</summary>
    private readonly List<OpenPush> _entering = [];
    private readonly List<OpenPush> _round = [];

    /// <summary>Each worker's last refused push: its later parts are refused too.</summary>
    private readonly Dictionary<string, (long Incarnation, long Step, string Reason)> _refusing = [];

    private readonly Dictionary<string, int> _clock = [];
    private readonly List<(string Worker, long Step, int Part, int[] Chunks, bool State, bool Applied, IActorRef Sender)> _held = [];
    private readonly Dictionary<string, float[][]> _workerState = [];
    private readonly AppliedBatches _applied = new();
    private int _epoch;

    /// <summary>Why the run is being stopped, once the coordinator said so (<see cref="OnStop"/>); null until then.</summary>
    private string? _stopped;

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
        _weightLeases = _chunks.Select(c => c.IsState ? null : new Lease($"parameter server {index}'s weights of chunk {c.Id}")).ToArray();
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
            ReturnAllLeases(stale);
            _active.Remove(stale);
            if (_open.TryGetValue(stale, out var open))
            {
                Abandon(open, "its worker left");
            }
            _refusing.Remove(stale);
            _clock.Remove(stale);
            _workerState.Remove(stale);
            _lastStep.Remove(stale);
        }
        Progress();
    }

    public void OnIdle(WorkerIdle idle)
    {
        if (StaleGeneration(idle.Generation) is not null)
        {
            return; // sent before the servers were rolled back: the worker is busy with the batches dealt since
        }
        if (idle.Epoch > _epoch)
        {
            StartEpoch(idle.Epoch);
        }
        if (_live.IsSuperseded(idle.Worker, idle.Incarnation))
        {
            return;
        }
        ReturnAllLeases(idle.Worker);
        if (idle.Epoch == _epoch)
        {
            _active.Remove(idle.Worker);
            Progress();
        }
    }

    /// <summary>
    /// The run is being stopped: from now on a push this server has not begun is refused whole, so that nothing enters
    /// its chunks but the rest of the pushes under way (a batch in some of its chunks only is a state no checkpoint can say).
    /// </summary>
    public void OnStop(StopWork stop)
    {
        if (_stopped is not null)
        {
            return;
        }
        _stopped = stop.Reason;
        _log.Warning("parameter server {0}: the run is stopping ({1}): it takes no push begun after this; {2} push(es) under way may finish",
            _index, stop.Reason, _open.Count);
    }

    public void OnPush(PushGradients push, IActorRef sender)
    {
        if (push.Parts < 1 || push.Part < 0 || push.Part >= push.Parts)
        {
            throw new InvalidOperationException($"push part {push.Part} of {push.Parts}: a push has at least one part, numbered from 0");
        }
        if (_refusing.TryGetValue(push.Worker, out var refusing) && refusing.Incarnation == push.Incarnation && refusing.Step == push.Step)
        {
            Refuse(push, sender, refusing.Reason); // every part of a refused push is refused, as its first was
            return;
        }
        if ((_live.Refusal(push.Worker, push.Incarnation) ?? StaleGeneration(push.Generation)) is string refusal)
        {
            Refuse(push, sender, refusal);
            return;
        }
        if (push.Epoch > _epoch)
        {
            StartEpoch(push.Epoch);
        }
        else if (push.Epoch < _epoch)
        {
            Refuse(push, sender, $"epoch {push.Epoch} is over (the server is in epoch {_epoch})");
            return;
        }
        ReturnLeases(push.Worker, push.Gradients); // a worker pushes a chunk only once it is done with the weights it was lent
        var open = _open.GetValueOrDefault(push.Worker);
        if (open is not null && open.Matches(push))
        {
            if (open.HasPart(push.Part))
            {
                Repeated(open, push, sender);
                return;
            }
        }
        else if (_lastStep.TryGetValue(push.Worker, out long last) && push.Step <= last)
        {
            // A repeat of a push already finished, e.g. sent again after its connection dropped: a reply still held
            // (the ssp bound) goes to the new sender when due, once; otherwise answer now, applying nothing.
            int held = _held.FindIndex(h => h.Worker == push.Worker && h.Step == push.Step && h.Part == push.Part);
            if (held >= 0)
            {
                _held[held] = _held[held] with { Sender = sender };
                return;
            }
            sender.Tell(Reply(push.Worker, push.Step, push.Part, Local(push.Gradients), push.Part == push.Parts - 1, applied: false));
            return;
        }
        else
        {
            if (_stopped is not null)
            {
                Refuse(push, sender, "it was begun after the run was stopped");
                return;
            }
            if (open is not null)
            {
                Abandon(open, "it pushed a later step");
            }
            _lastStep[push.Worker] = push.Step;
            _active.Add(push.Worker);
            bool counts = push.Samples > 0 && !_applied.Samples.ContainsKey(push.BatchId);
            open = new OpenPush(push, _chunks.Length, counts);
            _open[push.Worker] = open;
            if (_plan.Mode == ConsistencyMode.Ssp)
            {
                _clock[push.Worker] = _clock.GetValueOrDefault(push.Worker) + 1;
            }
        }
        open.Add(push, sender, _local, i => _chunks[i].IsState);
        if (open.Missing(_weightChunks) is int missing and >= 0)
        {
            throw new InvalidOperationException($"push lacks chunk {_chunks[missing].Id}");
        }
        KeepState(push);
        switch (_plan.Mode)
        {
            case ConsistencyMode.Sync:
                Progress();
                break;
            case ConsistencyMode.Async:
            case ConsistencyMode.Ssp:
                // Applied on arrival, part by part: each chunk of the part is a round of this push alone.
                foreach (int i in open.ChunksOf(push.Part))
                {
                    ApplyChunk(i, [open]);
                }
                if (_plan.Mode == ConsistencyMode.Async)
                {
                    Answer(open);
                }
                else
                {
                    _held.Add((push.Worker, push.Step, push.Part, open.ChunksOf(push.Part), open.CarriesState(push.Part), open.Updated, sender));
                    open.MarkAnswered(push.Part);
                }
                if (Finish(open))
                {
                    _steps++;
                }
                if (_plan.Mode == ConsistencyMode.Ssp)
                {
                    Progress();
                }
                break;
        }
    }

    /// <summary>A part that is in already: its reply goes to the new sender (held or not sent yet), or now if it went.</summary>
    private void Repeated(OpenPush open, PushGradients push, IActorRef sender)
    {
        int held = _held.FindIndex(h => h.Worker == push.Worker && h.Step == push.Step && h.Part == push.Part);
        if (held >= 0)
        {
            _held[held] = _held[held] with { Sender = sender };
        }
        else if (!open.IsAnswered(push.Part))
        {
            open.Resend(push.Part, sender);
        }
        else
        {
            sender.Tell(Reply(push.Worker, push.Step, push.Part, open.ChunksOf(push.Part), open.CarriesState(push.Part), applied: false));
        }
    }

    /// <summary>
    /// Answers a push part as refused: no weights, its batch not applied (the worker reports it, the batch is dealt again).
    /// The push's later parts get the same answer.
    /// </summary>
    private void Refuse(PushGradients push, IActorRef sender, string reason)
    {
        string refused = $"parameter server {_index} refused batch {push.BatchId} of epoch {push.Epoch}: {reason}";
        if (!_refusing.ContainsKey(push.Worker) || _refusing[push.Worker].Step != push.Step || _refusing[push.Worker].Incarnation != push.Incarnation)
        {
            _log.Warning(refused); // once per push, not per part
        }
        _refusing[push.Worker] = (push.Incarnation, push.Step, reason);
        sender.Tell(new PushReply(push.Step, false, [], [], refused, push.Part, _generation));
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

    /// <summary>
    /// Releases what the mode allows. sync: each chunk whose round is complete — every active worker's push has it in,
    /// not yet applied — is applied at once, and each part whose chunks are all applied is answered. ssp: the held replies
    /// within the bound.
    /// </summary>
    private void Progress()
    {
        if (_plan.Mode == ConsistencyMode.Sync)
        {
            if (_open.Count == 0)
            {
                return;
            }
            var round = _round;
            foreach (int i in _weightChunks)
            {
                round.Clear();
                foreach (var open in _open.Values)
                {
                    if (open.IsPending(i))
                    {
                        round.Add(open);
                    }
                }
                if (round.Count > 0 && _active.All(w => _open.TryGetValue(w, out var o) && o.IsPending(i)))
                {
                    // In the workers' name order, so that the sum is the same whatever order their pushes arrived in.
                    round.Sort((a, b) => string.CompareOrdinal(a.Worker, b.Worker));
                    ApplyChunk(i, round);
                }
            }
            bool stepped = false;
            foreach (var open in _open.Values.ToList())
            {
                Answer(open);
                stepped |= Finish(open);
            }
            if (stepped)
            {
                _steps++;
            }
        }
        else if (_plan.Mode == ConsistencyMode.Ssp)
        {
            int slowest = _active.Count == 0 ? int.MaxValue : _active.Min(w => _clock.GetValueOrDefault(w));
            for (int i = 0; i < _held.Count; i++)
            {
                var h = _held[i];
                if (!_live.Contains(h.Worker) || _clock.GetValueOrDefault(h.Worker) - slowest <= _plan.Staleness)
                {
                    h.Sender.Tell(Reply(h.Worker, h.Step, h.Part, h.Chunks, h.State, h.Applied));
                    _held.RemoveAt(i--);
                }
            }
        }
    }

    /// <summary>Sends the reply of every part of <paramref name="open"/> whose chunks are all applied.</summary>
    private void Answer(OpenPush open)
    {
        for (int part = 0; part < open.Parts; part++)
        {
            if (open.IsDue(part))
            {
                open.MarkAnswered(part);
                open.SenderOf(part).Tell(Reply(open.Worker, open.Step, part, open.ChunksOf(part), open.CarriesState(part), open.Updated));
            }
        }
    }

    /// <summary>
    /// A push whose every part is in and applied is done (its batch was counted chunk by chunk as its gradient entered them;
    /// a server without trainable chunks counts it now). True when its gradient entered this server: a step of it.
    /// </summary>
    private bool Finish(OpenPush open)
    {
        if (!open.IsFinished(_weightChunks.Length))
        {
            return false;
        }
        _open.Remove(open.Worker);
        if (_weightChunks.Length == 0 && open.Counts)
        {
            _applied.AddWhole(open.BatchId, open.Samples);
            return true;
        }
        return open.Entered;
    }

    /// <summary>
    /// Drops a push that will not be finished (its worker left, or pushed a later step). The chunks its gradient entered
    /// keep it, and only those: the batch is applied once whoever trains it again fills in the other chunks.
    /// </summary>
    private void Abandon(OpenPush open, string why)
    {
        _open.Remove(open.Worker);
        if (open.Entered)
        {
            _log.Info($"parameter server {_index}: batch {open.BatchId} of epoch {_epoch} from worker {open.Worker} entered "
                + $"{open.ChunksApplied} of {_weightChunks.Length} chunks before {why}; the others take it when it is trained again");
        }
    }

    /// <summary>
    /// One optimizer step on chunk <paramref name="i"/> from the sample-weighted mean of the round's gradients; a push adds
    /// nothing when its batch's gradient is in this chunk already (or another push of the round brings it). The step count
    /// per chunk (Adam's bias correction) moves once per round, as it did when a round took whole pushes.
    /// </summary>
    private void ApplyChunk(int i, IReadOnlyList<OpenPush> round)
    {
        _entering.Clear();
        long samples = 0;
        foreach (var p in round)
        {
            if (p.Counts && !_applied.HasEntered(p.BatchId, i) && !Entering(p.BatchId))
            {
                _entering.Add(p);
                samples += p.Samples;
            }
        }
        if (samples == 0)
        {
            foreach (var p in round)
            {
                p.MarkApplied(i, entered: false);
            }
            return;
        }
        var first = _entering[0];
        _weightLeases[i]!.BeginWrite();
        // Progress is (epoch − 1) + fraction of the epoch; the schedule wants the fraction of the whole run.
        _rule.LearningRate = _schedule.LearningRate(_plan.Optimizer.LearningRate, (int)Math.Floor(first.Progress), first.Progress / _plan.Epochs);
        ReadOnlySpan<float> gradient;
        if (_entering.Count == 1)
        {
            gradient = first.Gradient(i);
        }
        else
        {
            var sum = _sum[i].AsSpan();
            sum.Clear();
            foreach (var p in _entering)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(p.Gradient(i), (float)p.Samples / samples, sum, sum);
            }
            gradient = sum;
        }
        _updates[i]++;
        _rule.Update(_weights[i], gradient, _optState[i], _updates[i], _chunks[i].Regularize);
        _versions[i]++;
        foreach (var p in round)
        {
            p.Updated = true;
            p.MarkApplied(i, entered: _entering.Contains(p));
        }
        foreach (var p in _entering)
        {
            _applied.Enter(p.BatchId, i, p.Samples, _weightChunks.Length);
        }
    }

    /// <summary>Another push of the round being applied brings <paramref name="batch"/>'s gradient into the chunk already.</summary>
    private bool Entering(int batch)
    {
        foreach (var p in _entering)
        {
            if (p.BatchId == batch)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The local indices of the chunks <paramref name="values"/> name that this server trains.</summary>
    private int[] Local(IReadOnlyList<ChunkValues> values) =>
        values.Select(v => _local.TryGetValue(v.ChunkId, out int i) && !_chunks[i].IsState ? i : -1).Where(i => i >= 0).ToArray();

    /// <summary><paramref name="worker"/> is done with these chunks' weights (in sync mode, lent to it by its last reply).</summary>
    private void ReturnLeases(string worker, IReadOnlyList<ChunkValues> values)
    {
        foreach (var v in values)
        {
            if (_local.TryGetValue(v.ChunkId, out int i) && _weightLeases[i] is { } lease)
            {
                lease.Return(worker);
            }
        }
    }

    private void ReturnAllLeases(string worker)
    {
        foreach (int i in _weightChunks)
        {
            _weightLeases[i]!.Return(worker);
        }
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
    /// A part's reply carries its chunks' weights by reference (the state with the last part). In sync mode each chunk is
    /// lent to the worker until it pushes that chunk again, and nothing writes it before every active worker has (its
    /// <see cref="Lease"/> checks that); otherwise they are lent
    /// until the next write, and the transport copies them (in process) or serializes them before its Tell returns.
    /// </summary>
    private PushReply Reply(string worker, long step, int part, int[] chunks, bool state, bool applied)
    {
        var weights = new List<ChunkValues>(chunks.Length);
        foreach (int i in chunks)
        {
            var lease = _weightLeases[i]!;
            var loan = _plan.Mode == ConsistencyMode.Sync ? lease.Lend(worker) : lease.Current;
            weights.Add(new ChunkValues(_chunks[i].Id, _versions[i], _weights[i]) { Loan = loan });
        }
        return new PushReply(step, applied, weights, state ? Snapshot(_stateChunks, _stateLease.Current) : [], null, part, _generation);
    }

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
