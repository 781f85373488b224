using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors.Supervision;
using DistNN.Training.Accounting;
using DistNN.Training.Checkpoints;
using DistNN.Training.Engine;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;
using DistNN.Training.Sharding;

namespace DistNN.Training.Actors;

/// <summary>
/// Runs a <see cref="TrainingPlan"/>: waits for the plan's servers and workers, hands servers their chunks,
/// deals each epoch's batches by shards (<see cref="ShardDealer"/>: worker k of K gets the k-th block of shards and their
/// batches, each shard's samples in a seeded order of their own), counts every batch done exactly once, moves a stopped
/// worker's unfinished shards and a refused batch's shard to the others, ends an epoch when every server reports every batch applied (<see cref="EpochLedger"/>),
/// evaluates and finishes the run. A worker is a name and an incarnation: a new incarnation replaces the old. Phases:
/// registering (until the servers, the standbys, the evaluator and the plan's workers are ready), training, recovering (a
/// lost server replaced, Coordinator.Recovery.cs), finished. An actor of the
/// run that throws (its evaluator child here, a server or worker under the guardian or a node's agent) is stopped and
/// fails the run naming it and the exception.
/// </summary>
public sealed partial class Coordinator : ReceiveActor, IWithTimers, IWithUnboundedStash
{
    /// <summary>A timer message that never leaves this actor, so it need not be serializable.</summary>
    private sealed record RegistrationTimedOut : INoSerializationVerificationNeeded;

    private sealed record FinalCheckpointTimedOut : INoSerializationVerificationNeeded;

    private sealed record WorkerGraceOver(string Why) : INoSerializationVerificationNeeded;

    /// <summary>
    /// A signal stops this process's run (a coordinator node's, or `distnn train` without checkpoints): every worker and
    /// server is told <see cref="StopWork"/> (<see cref="StopWorkers"/>). Never on the wire.
    /// </summary>
    public sealed record StopRun(string Reason) : INoSerializationVerificationNeeded;

    /// <summary>Refusals of one batch in an epoch past which the run fails: they no longer come from a passing change of workers.</summary>
    private const int MaxRefusals = 5;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TrainingPlan _plan;
    private readonly PlanMessage _planMessage;
    private readonly IDataSource _data;
    private readonly Action<TrainingEvent>? _listener;
    private readonly TaskCompletionSource<TrainingSummary> _done;
    private readonly List<IActorRef> _servers = [];
    private readonly List<string> _dataPlanes = [];

    /// <summary>What each server's own checkpoint folder held when it registered (null: it has none), in <see cref="_servers"/>' order.</summary>
    private readonly List<IReadOnlyList<HeldShard>?> _held = [];

    /// <summary>ps nodes registered after the plan's servers while a resume waits for their folders to cover every shard.</summary>
    private readonly List<RegisterServer> _candidates = [];

    /// <summary>Why the registered ps nodes' folders cannot cover every shard of the resumed checkpoint (null: they can, or no resume).</summary>
    private string? _unmatched;

    /// <summary>The plan's servers were told <see cref="InitServer"/>: ps nodes registering now are standbys or not needed.</summary>
    private bool _serversInitialized;
    private readonly Dictionary<string, IActorRef> _workers = [];
    private readonly Dictionary<string, long> _incarnations = [];
    private readonly SortedSet<string> _live = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ready = [];
    private readonly HashSet<string> _trained = [];
    private readonly Dictionary<string, (long Samples, long Batches, double Compute, double Wait)> _rates = [];
    private readonly IActorRef _evaluator;
    private int _epoch;
    private EpochLedger _ledger = new(0, 0, 1, 0);
    private ShardDealer? _dealer;
    private long _epochSamples;
    private long _processed;
    private long _applied;
    private readonly Dictionary<int, long> _doubledByEpoch = [];
    private int _countedEpoch;
    private long _duplicates;
    private double _lossSum;
    private long _correct;
    private double _trainSeconds;
    private readonly Stopwatch _wall = Stopwatch.StartNew();
    private readonly Stopwatch _epochClock = new();
    private readonly Stopwatch _reportClock = new();
    private readonly Dictionary<string, (long Sent, long Received)> _wireBytes = [];
    private (long Sent, long Received) _evaluatorBytes;
    private EpochCompleted? _last;
    private float? _referenceLoss;
    private readonly long _parameterCount;
    private string? _crash;

    /// <summary>A signal stops this process's run: workers and servers were told to stop (<see cref="StopWorkers"/>), its interrupt checkpoint may be being written (<see cref="OnCheckpointNow"/>).</summary>
    private bool _stopping;

    /// <summary>Workers and servers were told <see cref="StopWork"/> (the run stopped by a signal, or failed).</summary>
    private bool _workStopped;

    /// <summary>
    /// Actors of this run seen to stop (DeathWatch), and the evaluator once the coordinator itself is stopping (its children
    /// stop first): not told <see cref="StopWork"/>, there is nobody to tell.
    /// </summary>
    private readonly HashSet<IActorRef> _seenStopped = [];
    private readonly HashSet<string> _interrupted = [];
    private readonly byte[] _dataPlaneKey = DataPlaneCredential.NewKey();
    private readonly CheckpointKeeper _checkpoints;
    private TrainingSummary? _finalSummary;
    private readonly WorkerGrace _workerGrace = new(Configuration.FailureSettings.From(Context.System.Settings.Config).WorkerGrace);

    /// <summary>Samples of the epoch applied before the checkpoint a resume started from: counted, not in the loss.</summary>
    private long _carriedSamples;

    public Coordinator(TrainingPlan plan, IDataSource data, Action<TrainingEvent>? listener, TaskCompletionSource<TrainingSummary> done, Action<Sequential>? finalModel,
        TimeSpan registrationTimeout, CheckpointOptions? checkpoints)
    {
        _checkpoints = new CheckpointKeeper(checkpoints, plan, Self, _log);
        _standbys = new StandbyPool(checkpoints?.StandbyServers ?? 0, spares: checkpoints?.StandbyServers > 0 ? plan.Servers : 0);
        _plan = plan;
        _planMessage = plan.ToMessage();
        _parameterCount = ModelBuilder.Build(plan.Model, plan.Seed).ParameterCount;
        _data = data;
        _listener = listener;
        _done = done;
        _evaluator = Context.ActorOf(EvaluatorActor.Props(data, plan.EffectiveThreads, finalModel), "evaluator");
        Context.Watch(_evaluator);
        Timers.StartSingleTimer("registration", new RegistrationTimedOut(), registrationTimeout);
        Registering();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The evaluator that throws is stopped and fails the run with its cause.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new StopAndReportStrategy((context, _, reason) => context.Self.Tell(new TrainingFailed(reason)));

    /// <summary>One-process runs: the guardian reports the servers and workers it stopped on the event stream.</summary>
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(ActorCrashed));
        WatchAssociations();
    }

    /// <summary>
    /// Whatever stops the coordinator ends the run: its own exception, named, or a plain stop. A run not over yet has
    /// failed: its workers and servers are told to stop first, as on <see cref="Fail"/> (after an exception they were told
    /// as it was caught, <see cref="AroundReceive"/>).
    /// </summary>
    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        // Children stop before their parent's PostStop: the evaluator has nobody to hear a stop now.
        _seenStopped.Add(_evaluator);
        string reason = _crash ?? "the coordinator stopped before the run ended";
        if (!_done.Task.IsCompleted)
        {
            StopWorkers(FailedRun(reason));
        }
        _done.TrySetException(new TrainingFailedException(reason));
    }

    protected override bool AroundReceive(Receive receive, object message)
    {
        try
        {
            return base.AroundReceive(receive, message);
        }
        catch (Exception e)
        {
            // The guardian stops the coordinator; PostStop then fails the run with this cause. Its workers, servers and
            // evaluator hear it now: the evaluator still can (it stops before PostStop, after the scoring it may be doing),
            // and nobody computes meanwhile.
            _crash = $"the coordinator stopped on {message.GetType().Name}: {e.GetType().Name}: {StopAndReportStrategy.FirstLine(e.Message)}";
            if (!_done.Task.IsCompleted)
            {
                StopWorkers(FailedRun(_crash));
            }
            throw;
        }
    }

    public static Props Props(TrainingPlan plan, IDataSource data, Action<TrainingEvent>? listener, TaskCompletionSource<TrainingSummary> done,
        Action<Sequential>? finalModel = null, TimeSpan? registrationTimeout = null, CheckpointOptions? checkpoints = null) =>
        Akka.Actor.Props.Create(() => new Coordinator(plan, data, listener, done, finalModel, registrationTimeout ?? TimeSpan.FromSeconds(60), checkpoints))
            .WithDispatcher(DistNNDispatchers.Compute);

    /// <summary>Until the servers are initialized, the evaluator is ready and the plan's workers are: then epoch 1.</summary>
    private void Registering()
    {
        int serversReady = 0;
        bool evaluatorReady = false;
        void StartWhenReady()
        {
            if (evaluatorReady && _ready.Count >= _plan.Workers && _standbys.Full)
            {
                Timers.Cancel("registration");
                Become(Training);
                StartEpoch(FirstEpoch());
            }
        }
        Receive<RegisterServer>(r =>
        {
            OnRegisterServer(r);
            StartWhenReady();
        });
        Receive<RegisterWorker>(r => OnRegisterWorker(r, serversReady == _plan.Servers));
        void InitOthers()
        {
            serversReady = _plan.Servers;
            _evaluator.Tell(new InitEvaluator(_planMessage, _servers, _dataPlanes, DataPlaneCredential.Issue(_dataPlaneKey, "evaluator")));
            foreach (var (name, w) in _workers)
            {
                w.Tell(InitWorker(name));
            }
        }
        int initialized = 0;
        Receive<ServerReady>(_ =>
        {
            // On a resume the servers restore their checkpoint first; workers and evaluator start after that.
            if (++initialized < _plan.Servers)
            {
                return;
            }
            try
            {
                if (_checkpoints.ServersInitialized(_servers, _data.TrainCount))
                {
                    InitOthers();
                }
            }
            catch (InvalidOperationException e)
            {
                Fail(e.Message);
            }
        });
        Receive<ShardRestored>(r =>
        {
            if (_checkpoints.OnRestored(r, _plan.Servers))
            {
                InitOthers();
            }
        });
        Receive<EvaluatorReady>(_ =>
        {
            evaluatorReady = true;
            StartWhenReady();
        });
        Receive<WorkerReady>(r =>
        {
            _ready.Add(r.Name);
            StartWhenReady();
        });
        Receive<Terminated>(t => OnStopped(t.ActorRef));
        Receive<ActorCrashed>(OnCrashed);
        Receive<NodeInterrupted>(OnInterrupted);
        Receive<TrainingFailed>(f => Fail(f.Reason));
        Receive<ServerUnreachable>(OnServerUnreachable);
        ReceiveGoneNodes();
        Receive<CheckpointNow>(c => Sender.Tell(new CheckpointNotTaken(c.Folder, "training had not started")));
        Receive<StopRun>(OnStopRun);
        Receive<RegistrationTimedOut>(_ => Fail(_unmatched is { } unmatched ? $"--resume: {unmatched}" :
            $"timed out waiting for the plan's nodes: {_servers.Count}/{_plan.Servers} parameter servers"
            + (_standbys.Wanted > 0 ? $", {_standbys.Count}/{_standbys.Wanted} standby servers" : "")
            + $" and {_workers.Count}/{_plan.Workers} workers registered"));
    }

    /// <summary>Epochs run: batches are dealt and counted, a worker that joins late gets work from the next epoch on.</summary>
    private void Training()
    {
        Receive<RegisterServer>(OnRegisterServer);
        Receive<RegisterWorker>(r => OnRegisterWorker(r, serversReady: true));
        Receive<WorkerReady>(r =>
        {
            _ready.Add(r.Name);
            if (_workerGrace.Waiting && _workers.ContainsKey(r.Name))
            {
                WorkerJoined(r.Name);
            }
        });
        Receive<WorkerGraceOver>(g => Fail($"{g.Why}, and no worker joined within {_workerGrace.Grace.TotalSeconds:F0} s "
            + $"({Configuration.FailureSettings.Section}.worker-grace, --worker-grace)"));
        Receive<BatchDone>(OnBatchDone);
        // Each report of a worker's group as if it had come alone, in order; once one has failed the run, the rest are
        // dropped, as BatchDone is when the run is over.
        Receive<BatchesDone>(group =>
        {
            foreach (var done in group.Batches)
            {
                if (_done.Task.IsCompleted)
                {
                    break;
                }
                OnBatchDone(done);
            }
        });
        Receive<BatchRefused>(OnBatchRefused);
        Receive<BatchesApplied>(OnBatchesApplied);
        Receive<EvaluationResult>(OnEvaluation);
        Receive<Terminated>(t => OnStopped(t.ActorRef));
        Receive<ActorCrashed>(OnCrashed);
        Receive<NodeInterrupted>(OnInterrupted);
        Receive<TrainingFailed>(f => Fail(f.Reason));
        Receive<ServerUnreachable>(OnServerUnreachable);
        Receive<UnreachableTimedOut>(u => Fail(u.Reason));
        ReceiveGoneNodes();
        Receive<ShardCheckpointed>(r => _checkpoints.OnShard(r, _ledger.Batches));
        Receive<ManifestWritten>(w => _checkpoints.OnWritten(w, _servers));
        Receive<CheckpointNotTaken>(_checkpoints.OnNotTaken);
        Receive<CheckpointNow>(OnCheckpointNow);
        Receive<StopRun>(OnStopRun);
    }

    /// <summary>The run is over (done, failed or interrupted): nothing that arrives now changes it, but its last checkpoint.</summary>
    private void Finished()
    {
        Timers.CancelAll();
        Receive<ShardCheckpointed>(r => _checkpoints.OnShard(r, _ledger.Batches));
        Receive<ManifestWritten>(w =>
        {
            _checkpoints.OnWritten(w, _servers);
            if (w.Folder == EpochFolder(_plan.Epochs))
            {
                Complete();
            }
        });
        Receive<FinalCheckpointTimedOut>(_ =>
        {
            _log.Warning("the final checkpoint {0} was not written within 60 s: finishing without it", EpochFolder(_plan.Epochs));
            Complete();
        });
        Receive<CheckpointNotTaken>(_checkpoints.OnNotTaken);
        Receive<CheckpointNow>(c => Sender.Tell(new CheckpointNotTaken(c.Folder, "the run had ended")));
        ReceiveAny(_ => { });
    }

    private static string EpochFolder(int epoch) => $"epoch-{epoch:D4}";

    /// <summary>The run's result, once the last epoch's checkpoint (when there are checkpoints) is on disk.</summary>
    private void Complete()
    {
        Timers.Cancel("final-checkpoint");
        if (_finalSummary is { } summary)
        {
            _done.TrySetResult(summary);
        }
    }

    private void OnRegisterServer(RegisterServer r)
    {
        if (_servers.Contains(r.Server) || _candidates.Any(c => c.Server.Equals(r.Server)))
        {
            _log.Warning("parameter server {0} registered twice: ignored", r.Server.Path);
            return;
        }
        if (_serversInitialized)
        {
            if (!OfferStandby(r))
            {
                _log.Warning("parameter server {0} registered beyond the plan's {1}: ignored", r.Server.Path, _plan.Servers);
            }
            return;
        }
        if (_servers.Count < _plan.Servers)
        {
            _servers.Add(r.Server);
            _listener?.Invoke(MemberSeen.Of("ps", $"ps-{_servers.Count - 1}", r.Server.Path, "up"));
            _dataPlanes.Add(r.DataPlane ?? "");
            _held.Add(r.Held);
        }
        else
        {
            // A resume whose shards the first nodes' folders do not cover: this one may hold what they lack.
            _candidates.Add(r);
            _log.Info("ps node {0} registered while the resume waits for the ps nodes' folders to cover every shard: it is matched too", r.Server.Path.Address);
        }
        Context.Watch(r.Server);
        if (_servers.Count == _plan.Servers)
        {
            InitServersWhenMatched();
        }
    }

    /// <summary>
    /// Once the plan's servers registered, and on a resume from per-node folders once the registered ps nodes' folders
    /// cover every shard: the servers are initialized, each as the shard it holds; nodes left without one become standbys
    /// (or, without room, are told they are not needed).
    /// </summary>
    private void InitServersWhenMatched()
    {
        if (!MatchServersToFolders())
        {
            return;
        }
        _serversInitialized = true;
        for (int i = 0; i < _servers.Count; i++)
        {
            _servers[i].Tell(new InitServer(_planMessage, i, _servers.Count, _dataPlaneKey));
        }
        var left = _candidates.ToList();
        _candidates.Clear();
        foreach (var r in left)
        {
            if (!OfferStandby(r))
            {
                Dismiss(r.Server, "the resume's shards went to the ps nodes whose folders hold them and the standbys are all registered");
            }
        }
    }

    /// <summary>A registered ps node the run has no use for leaves the cluster and exits 0 (its node's agent is told so).</summary>
    private void Dismiss(IActorRef server, string why)
    {
        Context.Unwatch(server);
        _log.Warning("ps node {0} is not needed: {1}; it is told to leave", server.Path.Address, why);
        Context.ActorSelection(server.Path.Root / "user" / Cluster.NodeAgent.Name).Tell(new LeaveCluster(
            $"this ps node is not needed: {why}", RunSucceeded: true, ExitCode: 0, Dropped: true));
    }

    /// <summary>
    /// On a resume from per-node folders: each server takes the shard its own folder holds, whatever order they registered
    /// in (<see cref="ShardMatching"/>), among every ps node registered so far (the plan's first and those after them);
    /// false while the folders cannot cover every shard: the run waits for more ps nodes until the registration timeout,
    /// then fails naming what is missing (<see cref="_unmatched"/>).
    /// </summary>
    private bool MatchServersToFolders()
    {
        if (_checkpoints.Resume is not { } manifest || _checkpoints.ResumeFolder is not { } folder)
        {
            return true;
        }
        var registered = _servers.Select((s, i) => (Server: s, DataPlane: _dataPlanes[i], Held: _held[i]))
            .Concat(_candidates.Select(c => (c.Server, DataPlane: c.DataPlane ?? "", c.Held))).ToList();
        int[] order;
        try
        {
            order = ShardMatching.Assign(manifest, folder, registered.Select(r => r.Held).ToList(), registered.Select(r => $"ps node {r.Server.Path.Address}").ToList());
        }
        catch (InvalidDataException e)
        {
            if (_unmatched is null)
            {
                _log.Warning("--resume: {0}; waiting for more ps nodes to register (until the registration timeout)", e.Message);
            }
            _unmatched = e.Message;
            return false;
        }
        _unmatched = null;
        for (int i = 0; i < order.Length; i++)
        {
            if (order[i] != i)
            {
                _log.Warning("the ps node {0} (registered as server {1}) takes server {2}'s shard: its own folder holds it", registered[order[i]].Server.Path.Address, order[i], i);
            }
            (_servers[i], _dataPlanes[i], _held[i]) = registered[order[i]];
        }
        // Those left without a shard, in registration order, are offered as standbys.
        var chosen = order.ToHashSet();
        var spare = Enumerable.Range(0, registered.Count).Where(p => !chosen.Contains(p))
            .Select(p => new RegisterServer(registered[p].Server, registered[p].DataPlane, registered[p].Held)).ToList();
        _candidates.Clear();
        _candidates.AddRange(spare);
        return true;
    }

    private void OnRegisterWorker(RegisterWorker r, bool serversReady)
    {
        if (_workers.TryGetValue(r.Name, out var previous))
        {
            if (_incarnations[r.Name] == r.Incarnation)
            {
                _log.Warning("a second worker named {0} registered: ignored", r.Name);
                return;
            }
            // The same name restarted: the previous incarnation is gone for good, as if it had stopped.
            long dropped = _incarnations[r.Name];
            _log.Warning("worker {0} registered as a new incarnation ({1}): the previous one ({2}) is dropped",
                r.Name, Incarnation.Name(r.Name, r.Incarnation), Incarnation.Name(r.Name, _incarnations[r.Name]));
            Context.Unwatch(previous);
            OnWorkerStopped(previous);
            // The previous incarnation may still be alive (paused, cut off): its node is told to exit, not left refused.
            Context.ActorSelection(previous.Path.Root / "user" / Cluster.NodeAgent.Name).Tell(new LeaveCluster(
                $"the coordinator dropped this worker ({Incarnation.Name(r.Name, dropped)}): a new incarnation of the same name, "
                + $"{Incarnation.Name(r.Name, r.Incarnation)}, registered and took its batches", RunSucceeded: false, ExitCode: 1, Dropped: true));
        }
        if (!_plan.Elastic && _workers.Count >= _plan.Workers)
        {
            _log.Warning("worker {0} ({1}) refused: the plan's {2} workers are registered (a coordinator with --elastic takes more)",
                r.Name, r.Worker.Path.Address, _plan.Workers);
            return;
        }
        _workers[r.Name] = r.Worker;
        _incarnations[r.Name] = r.Incarnation;
        Context.Watch(r.Worker);
        _listener?.Invoke(MemberSeen.Of("worker", r.Name, r.Worker.Path, "up"));
        if (serversReady)
        {
            r.Worker.Tell(InitWorker(r.Name));
        }
    }

    /// <summary>A worker's init, with its data-plane credential (its name under this run's key) and the servers' rollback generation.</summary>
    private InitWorker InitWorker(string name) =>
        new(_planMessage, _servers, _dataPlanes, DataPlaneCredential.Issue(_dataPlaneKey, name), _rollbacks);

    /// <summary>Starts <paramref name="epoch"/> with <paramref name="applied"/> batches done already (null: those of the checkpoint a resume started from).</summary>
    private void StartEpoch(int epoch, HashSet<int>? applied = null)
    {
        _epoch = epoch;
        _live.Clear();
        _live.UnionWith(_ready.Where(_workers.ContainsKey));
        TellServersLive();
        _ledger = new EpochLedger(epoch, _data.TrainCount, _plan.BatchSize, _servers.Count);
        _epochSamples = 0;
        _lossSum = 0;
        _correct = 0;
        _rates.Clear();
        _epochClock.Restart();
        _reportClock.Restart();
        applied ??= ResumedBatches(epoch);
        foreach (int b in applied)
        {
            _ledger.Finish(b);
            _epochSamples += Math.Min(_plan.BatchSize, _data.TrainCount - b * _plan.BatchSize);
        }
        // The layout is the plan's, whoever is live: a resumed run's batch ids name the same samples.
        _dealer ??= new ShardDealer(new Data.Batching.ShardLayout(_data.TrainCount, _plan.BatchSize, _plan.Workers));
        _dealer.StartEpoch(_live.ToList());
        // Each worker's batches in order: a resumed sync run (whose applied batches are whole rounds) keeps its rounds.
        Deal(Enumerable.Range(0, _ledger.Batches).Where(b => !applied.Contains(b)).ToList(), avoid: null);
    }

    /// <summary>1, or on a resume the checkpoint's epoch (the next one when it had every batch applied).</summary>
    private int FirstEpoch()
    {
        if (_checkpoints.Resume is not { } r)
        {
            return 1;
        }
        if (r.BatchesApplied.Length < r.TotalBatches)
        {
            return r.Epoch;
        }
        _processed = _applied = (long)r.Epoch * _data.TrainCount;
        return r.Epoch + 1;
    }

    /// <summary>The batches of <paramref name="epoch"/> every server had applied at the checkpoint a resume started from.</summary>
    private HashSet<int> ResumedBatches(int epoch)
    {
        if (_checkpoints.Resume is not { } resume || resume.Epoch != epoch || _processed > 0)
        {
            return [];
        }
        _processed = _applied = (long)(epoch - 1) * _data.TrainCount;
        _carriedSamples = resume.SamplesApplied;
        return [.. resume.BatchesApplied];
    }

    /// <summary>The servers learn who is live, as which incarnation: pushes from anyone else are refused.</summary>
    private void TellServersLive()
    {
        var live = new LiveWorkers(_live.ToList(), _live.Select(n => _incarnations[n]).ToList());
        foreach (var s in _servers)
        {
            s.Tell(live);
        }
    }

    /// <summary>
    /// Deals <paramref name="batches"/> to the live workers by shard (<see cref="ShardDealer.Deal"/>), leaving out
    /// <paramref name="avoid"/> when another is live; each worker is told the shard ranges its batches come from.
    /// </summary>
    private void Deal(IReadOnlyList<int> batches, string? avoid)
    {
        var to = _live.Where(n => n != avoid).ToArray();
        to = to.Length > 0 ? to : _live.ToArray();
        if (to.Length == 0 && batches.Count > 0)
        {
            AwaitWorker(batches, $"no live worker to take {batches.Count} batches of epoch {_ledger.Epoch}");
            return;
        }
        foreach (var (name, (ids, shards)) in _dealer!.Deal(batches, to, w => _ledger.Unfinished(w).Count))
        {
            foreach (int b in ids)
            {
                _ledger.Deal(b, name);
            }
            _workers[name].Tell(new AssignBatches(_ledger.Epoch, _ledger.Batches, ids, shards));
        }
    }

    private void OnBatchDone(BatchDone d)
    {
        if (!_ledger.Contains(d.Epoch, d.BatchId))
        {
            return;
        }
        if (_ledger.IsFinished(d.BatchId))
        {
            _duplicates++;
            return;
        }
        if (Diverged(d) is string diverged)
        {
            Fail(diverged);
            return;
        }
        if (!_ledger.Finish(d.BatchId))
        {
            // Dealt again because a server lacked it: its figures counted the first time.
            AskServersWhenFinished();
            return;
        }
        _trained.Add(d.Worker);
        OnTrainingAgain(d);
        _epochSamples += d.Samples;
        _lossSum += d.Loss * (double)d.Samples;
        _correct += d.Correct;
        // Each worker's counts are totals since it started: keep the latest (a stopped worker's last one stays).
        _wireBytes[d.Worker] = (Math.Max(d.BytesSent, _wireBytes.GetValueOrDefault(d.Worker).Sent),
            Math.Max(d.BytesReceived, _wireBytes.GetValueOrDefault(d.Worker).Received));
        var r = _rates.GetValueOrDefault(d.Worker);
        _rates[d.Worker] = (r.Samples + d.Samples, r.Batches + 1, r.Compute + d.ComputeSeconds, r.Wait + d.WaitSeconds);
        if (_listener is not null && _reportClock.ElapsedMilliseconds >= 200)
        {
            _reportClock.Restart();
            double seconds = _epochClock.Elapsed.TotalSeconds;
            var workers = WorkerRates();
            _listener(new StepProgress(_epoch, _plan.Epochs, _epochSamples, _data.TrainCount, _lossSum / Trained, (double)_correct / Trained,
                Trained / seconds, workers, _ledger.Finished, _ledger.Batches));
        }
        AskServersWhenFinished();
    }

    /// <summary>When workers have finished every batch, the servers say which they applied (<see cref="OnBatchesApplied"/>).</summary>
    private void AskServersWhenFinished()
    {
        if (!_ledger.AllFinished)
        {
            return;
        }
        _ledger.ExpectReports();
        foreach (var s in _servers)
        {
            s.Tell(new ReportApplied(_epoch));
        }
    }

    /// <summary>
    /// A server refused the batch's push (a worker or incarnation it does not count as live): not applied, so it goes to
    /// a live worker again. Reports from an incarnation since replaced, or about a batch dealt again already, are stale.
    /// </summary>
    private void OnBatchRefused(BatchRefused r)
    {
        if (!_ledger.Contains(r.Epoch, r.BatchId) || _ledger.IsFinished(r.BatchId) || _ledger.OwnerOf(r.BatchId) != r.Worker
            || _incarnations.GetValueOrDefault(r.Worker) != r.Incarnation)
        {
            return;
        }
        _listener?.Invoke(new PushRefused(r.Worker, r.Reason));
        if (_ledger.Refuse(r.BatchId) > MaxRefusals)
        {
            Fail($"batch {r.BatchId} of epoch {r.Epoch} was refused {MaxRefusals + 1} times; the last: {r.Reason}");
            return;
        }
        _log.Info("{0}; dealing it again", r.Reason);
        Deal([r.BatchId], avoid: r.Worker);
    }

    /// <summary>
    /// Every server's report in: the epoch is over when every batch was applied by every server; batches some server lacks
    /// are dealt again while that brings the count down, else the run fails naming the shortfall.
    /// </summary>
    private void OnBatchesApplied(BatchesApplied report)
    {
        if (_stopping || !_ledger.AllFinished || !_ledger.Report(report))
        {
            return;
        }
        var unapplied = _ledger.Unapplied();
        long applied = _ledger.SamplesApplied();
        if (unapplied.Count > 0 && _ledger.Reopen(unapplied))
        {
            _log.Warning("{0}; dealing them again", _ledger.Shortfall(unapplied));
            Deal(unapplied, avoid: null);
            return;
        }
        if (unapplied.Count > 0 || applied != _data.TrainCount)
        {
            Fail(_ledger.Shortfall(unapplied));
            return;
        }
        // Counted once: a server lost after this, before the next epoch, rolls back to this epoch's end and asks again.
        if (_countedEpoch != _epoch)
        {
            _countedEpoch = _epoch;
            _trainSeconds += _epochClock.Elapsed.TotalSeconds;
            _processed += _epochSamples;
            _applied += applied;
        }
        _epochClock.Stop();
        _doubledByEpoch[_epoch] = _ledger.SamplesDoubled();
        if (_epochSamples != _data.TrainCount)
        {
            Fail($"epoch {_epoch} processed {_epochSamples} samples, expected {_data.TrainCount}");
            return;
        }
        _checkpoints.Request(_servers, EpochFolder(_epoch));
        _evaluator.Tell(new Evaluate(_epoch));
    }

    /// <summary>
    /// Why the run has diverged, or null: a non-finite batch loss, or one above the plan's divergence factor times the
    /// run's first batch loss (the reference a healthy run only goes down from).
    /// </summary>
    private string? Diverged(BatchDone d)
    {
        _referenceLoss ??= d.Loss;
        double bound = _plan.DivergenceFactor * Math.Abs(_referenceLoss.Value);
        if (float.IsFinite(d.Loss) && (_plan.DivergenceFactor == 0 || d.Loss <= bound))
        {
            return null;
        }
        return $"training diverged at epoch {d.Epoch}, batch {d.BatchId} (worker {d.Worker}): the loss is {d.Loss:G4}, "
            + (float.IsFinite(d.Loss) ? $"more than {_plan.DivergenceFactor:G4}× the first batch's {_referenceLoss.Value:G4}" : "not a finite number")
            + $"; try a lower learning rate than {_plan.Optimizer.LearningRate:G4}";
    }

    private List<WorkerRate> WorkerRates() => _rates.Select(kv =>
    {
        var (samples, batches, compute, wait) = kv.Value;
        var bytes = _wireBytes.GetValueOrDefault(kv.Key);
        return new WorkerRate(kv.Key, compute + wait > 0 ? samples / (compute + wait) : 0, samples, 1e3 * compute / batches, 1e3 * wait / batches,
            batches, bytes.Sent, bytes.Received);
    }).ToList();

    private void OnEvaluation(EvaluationResult e)
    {
        _evaluatorBytes = (e.BytesSent, e.BytesReceived);
        double seconds = _epochClock.Elapsed.TotalSeconds;
        _last = new EpochCompleted(e.Epoch, _plan.Epochs, _lossSum / Trained, (double)_correct / Trained, e.Loss, e.Accuracy,
            Trained / seconds, _wall.Elapsed.TotalSeconds, _plan.Optimizer.LearningRate, _processed, WorkerRates(), _applied);
        _last = _last with { Replayed = e.Epoch <= _reportedEpoch };
        _reportedEpoch = Math.Max(_reportedEpoch, e.Epoch);
        _listener?.Invoke(_last);
        _carriedSamples = 0;
        if (_stopping)
        {
            return; // an epoch that ended before the interrupt (its checkpoint was asked for before the interrupt's)
        }
        if (e.Epoch < _plan.Epochs)
        {
            StartEpoch(e.Epoch + 1);
            return;
        }
        Become(Finished);
        _finalSummary = new TrainingSummary
        {
            Model = _plan.ModelName,
            Optimizer = _plan.Optimizer.Name,
            LearningRate = double.Parse(_plan.Optimizer.LearningRate.ToString("R")),
            BatchSize = _plan.BatchSize,
            Epochs = _plan.Epochs,
            Seed = _plan.Seed,
            Threads = _plan.EffectiveThreads,
            TestAccuracy = e.Accuracy,
            TestLoss = e.Loss,
            TrainLoss = _last.TrainLoss,
            TrainSamplesPerSec = _trainSeconds > 0 ? _processed / _trainSeconds : 0,
            WallSeconds = _wall.Elapsed.TotalSeconds,
            Mode = _plan.Mode.ToString().ToLowerInvariant(),
            Workers = _trained.Count,
            Servers = _plan.Servers,
            SamplesProcessed = _processed,
            SamplesApplied = _applied,
            SamplesExpected = (long)_data.TrainCount * _plan.Epochs,
            SamplesDoubled = _doubledByEpoch.Values.Sum(),
            Rollbacks = _rollbacks > 0 ? _rollbacks : null,
            SamplesReplayed = _rollbacks > 0 ? _replayed : null,
            Parameters = _parameterCount,
            Augment = _plan.Augmentation.IsEnabled ? _plan.Augmentation.ToString() : null,
            Compression = _plan.Compression.ToString(),
            BytesPushed = WireTotal(b => b.Sent),
            BytesPulled = WireTotal(b => b.Received),
        };
        if (_checkpoints.Enabled && !_checkpoints.HasWritten(EpochFolder(_plan.Epochs)))
        {
            Timers.StartSingleTimer("final-checkpoint", new FinalCheckpointTimedOut(), TimeSpan.FromSeconds(60));
            return;
        }
        Complete();
    }

    /// <summary>Samples trained in this epoch's batches since it started or was resumed (the loss and rate are theirs).</summary>
    private long Trained => Math.Max(1, _epochSamples - _carriedSamples);

    /// <summary>Bytes over the carriers of every worker and the evaluator; null when nothing crossed a wire (one process).</summary>
    private long? WireTotal(Func<(long Sent, long Received), long> pick)
    {
        long total = _wireBytes.Values.Sum(pick) + pick(_evaluatorBytes);
        return total > 0 ? total : null;
    }

    /// <summary>
    /// A server holds state nothing else has: losing one ends the run, unless a standby takes its place (restored from
    /// the latest checkpoint, <see cref="OnServerLost"/>). A lost worker's batches go to the others.
    /// </summary>
    private void OnStopped(IActorRef actor)
    {
        _seenStopped.Add(actor);
        if (actor.Equals(_evaluator))
        {
            Fail($"the evaluator ({actor.Path}) stopped");
            return;
        }
        int server = _servers.IndexOf(actor);
        if (server >= 0)
        {
            OnServerLost(server, actor);
            return;
        }
        if (_candidates.RemoveAll(c => c.Server.Equals(actor)) > 0)
        {
            _log.Warning("ps node {0} stopped before the resume's shards were matched", actor.Path.Address);
            return;
        }
        if (_standbys.Remove(actor))
        {
            _log.Warning("standby parameter server {0} stopped ({1} of {2} standbys left)", actor.Path, _standbys.Count, _standbys.Wanted);
            return;
        }
        OnWorkerStopped(actor);
    }

    /// <summary>A server or worker of this run that threw (one process: the guardian stopped it) ends the run: it is a bug, not a loss.</summary>
    private void OnCrashed(ActorCrashed crashed)
    {
        if (_servers.Contains(crashed.Actor) || _workers.ContainsValue(crashed.Actor))
        {
            Fail(crashed.Reason);
        }
    }

    /// <summary>
    /// A node stopped by SIGINT/SIGTERM: a server's ends the run as interrupted (its weights leave with it); a worker's
    /// batches go to the others when it stops, and the run ends as interrupted only if it was the last.
    /// </summary>
    private void OnInterrupted(NodeInterrupted interrupted)
    {
        int server = _servers.IndexOf(interrupted.Member);
        if (server >= 0)
        {
            Interrupt($"interrupted: parameter server {server}'s node ({interrupted.Member.Path.Address}) was stopped by a signal");
            return;
        }
        if (_workers.FirstOrDefault(kv => kv.Value.Equals(interrupted.Member)).Key is { } name)
        {
            _log.Warning("worker {0}'s node was stopped by a signal; it leaves the run", name);
            _interrupted.Add(name);
        }
    }

    private void OnWorkerStopped(IActorRef worker)
    {
        var name = _workers.FirstOrDefault(kv => kv.Value.Equals(worker)).Key;
        if (name is null)
        {
            return;
        }
        _workers.Remove(name);
        _incarnations.Remove(name);
        _ready.Remove(name);
        _listener?.Invoke(MemberSeen.Of("worker", name, worker.Path, "stopped"));
        _listener?.Invoke(new FailureSeen($"worker {name} stopped in epoch {_epoch}"));
        if (!_live.Remove(name))
        {
            return;
        }
        _log.Warning("worker {0} stopped; handing its unfinished batches of epoch {1} to the others", name, _epoch);
        TellServersLive();
        if (_live.Count == 0 && _interrupted.Contains(name))
        {
            Interrupt($"interrupted: the last worker, {name}, was stopped by a signal in epoch {_epoch}");
            return;
        }
        if (_live.Count == 0)
        {
            AwaitWorker(_ledger.Unfinished(name), $"every worker has stopped (the last was {name}) in epoch {_epoch}");
            return;
        }
        Deal(_ledger.Unfinished(name), avoid: null);
    }

    /// <summary>No live worker (<paramref name="why"/>): <paramref name="batches"/> wait for one to join within the grace, or the run fails.</summary>
    private void AwaitWorker(IReadOnlyList<int> batches, string why)
    {
        if (_workerGrace.Grace == TimeSpan.Zero)
        {
            Fail(why);
            return;
        }
        if (_workerGrace.Hold(batches))
        {
            _log.Warning("no live worker: waiting up to {0:F0} s for one to join", _workerGrace.Grace.TotalSeconds);
            Timers.StartSingleTimer(nameof(WorkerGraceOver), new WorkerGraceOver(why), _workerGrace.Grace);
        }
    }

    /// <summary>The wait for a worker is over: <paramref name="name"/> is live and takes the batches nobody held.</summary>
    private void WorkerJoined(string name)
    {
        Timers.Cancel(nameof(WorkerGraceOver));
        _live.Add(name);
        TellServersLive();
        var batches = _workerGrace.End();
        _log.Warning("worker {0} joined: it takes the {1} unfinished batch(es) of epoch {2}", name, batches.Count, _epoch);
        Deal(batches, avoid: null);
    }

    /// <summary>
    /// A signal stops this process's run (<see cref="Hosting.SingleProcessTraining"/>): every server checkpoints now, and
    /// the sender hears when that checkpoint's manifest is on disk, or why it will not be. From now on the run only winds
    /// down until the process ends: no epoch ends, starts or has a checkpoint, and no checkpoint a server cuts after this
    /// one is completed (<see cref="CheckpointKeeper.Interrupt"/>), so that the interrupt's checkpoint is the newest,
    /// however long it takes to write.
    /// </summary>
    private void OnCheckpointNow(CheckpointNow now)
    {
        if (_stopping)
        {
            Sender.Tell(new CheckpointNotTaken(now.Folder, "the run is stopping already"));
            return;
        }
        _stopping = true;
        // Servers hear the stop before the checkpoint: its cut has every push begun before the stop, and nothing after.
        StopWorkers("a signal stopped the run");
        _checkpoints.Interrupt(_servers, now.Folder, Sender);
    }

    /// <summary>A signal stops the run (no interrupt checkpoint asked for): workers and servers stop; the run winds down as on <see cref="CheckpointNow"/>.</summary>
    private void OnStopRun(StopRun stop)
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        StopWorkers(stop.Reason);
    }

    /// <summary>
    /// The run is being stopped (a signal) or has failed: each worker abandons its batch at once (its child
    /// <see cref="Worker.StopListenerName"/> hears it while the worker computes) and pushes nothing more; the evaluator
    /// (through its child too) drops or abandons an evaluation under way and reports nothing more; each server still
    /// running refuses any push it has not begun; every other ps node registered with the run and not seen stopped (a
    /// standby, a resume's candidate beyond the plan's servers) holds nothing and is told so that it starts nothing and
    /// hears why before its node is told to leave. Once: the first reason stays.
    /// </summary>
    private void StopWorkers(string reason)
    {
        if (_workStopped)
        {
            return;
        }
        _workStopped = true;
        var stop = new StopWork(reason);
        foreach (var worker in _workers.Values)
        {
            Context.ActorSelection(worker.Path / Worker.StopListenerName).Tell(stop);
            worker.Tell(stop);
        }
        if (!_seenStopped.Contains(_evaluator))
        {
            Context.ActorSelection(_evaluator.Path / EvaluatorActor.StopListenerName).Tell(stop);
            _evaluator.Tell(stop);
        }
        foreach (var server in _servers.Where(s => !_seenStopped.Contains(s)))
        {
            server.Tell(stop);
        }
        // Watched until they stop (they are removed then): every one still here is running, or its loss is not yet known.
        foreach (var idle in _candidates.Select(c => c.Server).Concat(_standbys.Servers).Except(_servers).Distinct())
        {
            idle.Tell(stop);
        }
    }

    /// <summary>The reason a failed run's <see cref="StopWork"/> carries: the failure's own line.</summary>
    private static string FailedRun(string reason) => $"training failed: {reason}";

    private void Interrupt(string reason)
    {
        StopWorkers(reason);
        _log.Warning("{0}", reason);
        _done.TrySetException(new TrainingInterruptedException(reason));
        Become(Finished);
    }

    /// <summary>
    /// The run has failed: every worker and server is told to stop, and the run ends with <paramref name="reason"/>.
    /// <paramref name="gone"/>: the node whose loss failed it, when its process is known to be gone (its node can be
    /// downed at once, <see cref="TrainingFailedException.Gone"/>).
    /// </summary>
    private void Fail(string reason, GoneNode? gone = null)
    {
        if (_done.Task.IsCompleted)
        {
            // Interrupted from outside (the host's signal) or already over: the nodes leaving now are its consequence.
            Become(Finished);
            return;
        }
        _log.Error("training failed: {0}", reason);
        // No worker goes on computing and pushing into the servers of a failed run, and the servers take no push begun
        // after this (only the rest of those under way). Told before the run's end is known, so before its nodes are
        // told to leave.
        StopWorkers(FailedRun(reason));
        _listener?.Invoke(new FailureSeen(reason));
        _done.TrySetException(new TrainingFailedException(reason, gone));
        // Not stopped: the other nodes' agents watch the coordinator and would end before hearing the run's exit code.
        Become(Finished);
    }
}

public sealed class TrainingFailedException(string message, GoneNode? gone = null) : Exception(message)
{
    /// <summary>
    /// The node whose loss failed the run, when its process is known to be gone (null: no node was lost, or it may only be
    /// paused or cut off). A cluster's coordinator downs it before telling the other nodes to leave: their leaving cannot
    /// complete while a member that is neither up nor down is in the cluster, and the failure detector would take
    /// seconds more to find it unreachable.
    /// </summary>
    public GoneNode? Gone { get; } = gone;
}

/// <summary>A node of the run whose process is known to be gone (<paramref name="Why"/> says how that is known).</summary>
public sealed record GoneNode(Address Address, string Why)
{
    /// <summary>
    /// Downs this node in <paramref name="cluster"/> when it is another member not down yet, saying so in one line
    /// (<c>ADDRESS is WHY: downing it</c>) to <paramref name="log"/>; false when there was nothing to down.
    /// </summary>
    public bool DownIn(Akka.Cluster.Cluster cluster, Action<string> log)
    {
        if (Address.Equals(cluster.SelfAddress)
            || !cluster.State.Members.Any(m => m.Address.Equals(Address) && m.Status != Akka.Cluster.MemberStatus.Down))
        {
            return false;
        }
        log($"{Address} is {Why}: downing it");
        cluster.Down(Address);
        return true;
    }
}
