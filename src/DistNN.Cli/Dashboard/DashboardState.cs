using System.Diagnostics;
using DistNN.Training.Engine;

namespace DistNN.Cli.Dashboard;

/// <summary>
/// A run as the dashboard shows it, fed by the run's events (from actor threads) and read by the web server's requests:
/// every member is guarded by one lock, and each change completes <see cref="Changed"/> for the event streams.
/// </summary>
public sealed class DashboardState
{
    private const int FailuresKept = 100;

    private readonly object _gate = new();
    private readonly RunDescription _run;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<MemberStatus> _members = [];
    private readonly Dictionary<string, WorkerTally> _workers = new(StringComparer.Ordinal);
    private readonly List<FailureStatus> _failures = [];
    private readonly List<StepPoint> _steps = [];
    private readonly List<EpochFigures> _epochs = [];
    private TaskCompletionSource _changed = NewSignal();
    private string _state = "starting";
    private string? _reason;
    private long _failuresTotal;
    private ProgressStatus _progress;

    public DashboardState(RunDescription run)
    {
        _run = run;
        _progress = new ProgressStatus(0, run.Epochs, 0, run.TrainSamples, 0, 0, 0, 0, 0, 0, 0);
    }

    /// <summary>Completes at the next change (a new task each time).</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Takes one event of the run.</summary>
    public void Listen(TrainingEvent e)
    {
        lock (_gate)
        {
            switch (e)
            {
                case StepProgress p:
                    OnStep(p);
                    break;
                case EpochCompleted done:
                    OnEpoch(done);
                    break;
                case PushRefused r:
                    Worker(r.Worker).Refused++;
                    break;
                case MemberSeen m:
                    OnMember(m);
                    break;
                case FailureSeen f:
                    _failuresTotal++;
                    _failures.Add(new FailureStatus(Math.Round(_clock.Elapsed.TotalSeconds, 1), f.What));
                    if (_failures.Count > FailuresKept)
                    {
                        _failures.RemoveAt(0);
                    }
                    break;
                default:
                    return;
            }
            Signal();
        }
    }

    /// <summary>The run has ended: done, failed or interrupted, and why.</summary>
    public void End(string state, string? reason)
    {
        lock (_gate)
        {
            _state = state;
            _reason = reason;
            Signal();
        }
    }

    /// <summary>Everything, with the curves from the given point counts on (0, 0: whole curves).</summary>
    public DashboardStatus Snapshot(int stepsFrom = 0, int epochsFrom = 0)
    {
        lock (_gate)
        {
            long pushed = _workers.Values.Sum(w => w.BytesPushed);
            long pulled = _workers.Values.Sum(w => w.BytesPulled);
            return new DashboardStatus(DashboardStatus.SchemaName, _run, _state, _reason, Math.Round(_clock.Elapsed.TotalSeconds, 2), _progress,
                _members.ToArray(), _workers.Values.Select(w => w.Status()).ToArray(), new WireStatus(pushed, pulled),
                _failuresTotal, _failures.ToArray(),
                new CurveStatus(_steps.Skip(stepsFrom).ToArray(), _epochs.Skip(epochsFrom).ToArray()));
        }
    }

    /// <summary>The last finished epoch's figures, or null before the first.</summary>
    public EpochFigures? LastEpoch()
    {
        lock (_gate)
        {
            return _epochs.Count > 0 ? _epochs[^1] : null;
        }
    }

    private void OnStep(StepProgress p)
    {
        _state = "training";
        int perEpoch = p.BatchesPerEpoch;
        long steps = (long)(p.Epoch - 1) * perEpoch + p.BatchesDone;
        double fraction = ((p.Epoch - 1) + (double)p.SamplesDone / p.SamplesPerEpoch) / p.Epochs;
        _progress = new ProgressStatus(p.Epoch, p.Epochs, p.SamplesDone, p.SamplesPerEpoch, steps, perEpoch, (long)perEpoch * p.Epochs,
            fraction, p.Loss, p.Accuracy, p.SamplesPerSec);
        foreach (var w in p.Workers)
        {
            Worker(w.Worker).Current = w;
        }
        _steps.Add(new StepPoint(Math.Round(fraction * p.Epochs, 4), p.Loss, p.Accuracy));
    }

    private void OnEpoch(EpochCompleted e)
    {
        int perEpoch = _progress.StepsPerEpoch;
        _progress = _progress with
        {
            Epoch = e.Epoch,
            SamplesDone = _progress.SamplesPerEpoch,
            StepsDone = (long)e.Epoch * perEpoch,
            Fraction = (double)e.Epoch / e.Epochs,
            Loss = e.TrainLoss,
            Accuracy = e.TrainAccuracy,
            SamplesPerSec = e.SamplesPerSec,
        };
        // The epoch's final rates: folded into each worker's run totals.
        foreach (var w in e.Workers ?? [])
        {
            Worker(w.Worker).Current = w;
        }
        foreach (var tally in _workers.Values)
        {
            tally.EndEpoch();
        }
        // An epoch trained again after a rollback has its point already (as its printed line).
        if (!e.Replayed)
        {
            _epochs.Add(new EpochFigures(e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestLoss, e.TestAccuracy, e.SamplesPerSec));
        }
    }

    /// <summary>
    /// An actor's line (named) is kept per role and name and replaces its node's unnamed line; a node's health (unnamed)
    /// applies to every line at its address, and is a line of its own until an actor there registers.
    /// </summary>
    private void OnMember(MemberSeen m)
    {
        if (m.Name is not null)
        {
            _members.RemoveAll(x => x.Name is null && x.Address == m.Address && x.Role == m.Role);
            int i = _members.FindIndex(x => x.Role == m.Role && x.Name == m.Name);
            var line = new MemberStatus(m.Role, m.Name, m.Address, m.Health);
            if (i >= 0)
            {
                _members[i] = line;
            }
            else
            {
                _members.Add(line);
            }
            return;
        }
        bool any = false;
        for (int i = 0; i < _members.Count; i++)
        {
            if (_members[i].Address == m.Address)
            {
                any = true;
                // An actor that stopped stays stopped whatever its node does next.
                if (_members[i].Health != "stopped")
                {
                    _members[i] = _members[i] with { Health = m.Health };
                }
            }
        }
        if (!any)
        {
            _members.Add(new MemberStatus(m.Role, null, m.Address, m.Health));
        }
    }

    private WorkerTally Worker(string name)
    {
        if (!_workers.TryGetValue(name, out var tally))
        {
            tally = new WorkerTally(name);
            _workers[name] = tally;
        }
        return tally;
    }

    private void Signal()
    {
        var done = _changed;
        _changed = NewSignal();
        done.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A worker's totals of finished epochs and its figures in the current one.</summary>
    private sealed class WorkerTally(string name)
    {
        private long _samplesBefore;
        private long _stepsBefore;

        public WorkerRate? Current { get; set; }

        public long Refused { get; set; }

        public long BytesPushed => Current?.BytesSent ?? 0;

        public long BytesPulled => Current?.BytesReceived ?? 0;

        public void EndEpoch()
        {
            if (Current is { } c)
            {
                _samplesBefore += c.Samples;
                _stepsBefore += c.Batches;
                // Bytes are totals already; the rest starts again with the next epoch.
                Current = c with { Samples = 0, Batches = 0 };
            }
        }

        public WorkerStatus Status() => new(name, Current?.SamplesPerSec ?? 0, Current?.MsComputePerBatch ?? 0, Current?.MsWaitPerBatch ?? 0,
            _samplesBefore + (Current?.Samples ?? 0), _stepsBefore + (Current?.Batches ?? 0), BytesPushed, BytesPulled, Refused);
    }
}
