using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using DistNN.Data;
using DistNN.Protocol.Messages;
using DistNN.Tensors;
using DistNN.Training.Actors.Supervision;
using DistNN.Training.Engine;
using DistNN.Training.Plan;
using DistNN.Training.Sharding;

namespace DistNN.Training.Actors;

/// <summary>
/// A model replica. Phases: waiting for <see cref="InitWorker"/>; pulling the weights; idle (no batch queued);
/// stepping (a batch's forward/backward on a thread of the process's shared compute pool, then a push to each server
/// and waiting for every reply, whose weights go into the replica before the batch is reported and the next starts).
/// Every push round and pull has a deadline (<see cref="ServerDeadline"/>): a server that does not answer fails the run.
/// Its identity is its name and an incarnation made when it starts; a batch a server refused is reported as refused.
/// Told <see cref="StopWork"/> (the run is being stopped), it abandons the batch it computes at the next point where
/// nothing of it has been pushed and starts nothing more: the message reaches it mid-batch through its child
/// <c>stop</c> (<see cref="StopListener"/>, on Akka's default dispatcher), which cancels the compute's token.
/// </summary>
public sealed class Worker : ReceiveActor, IWithTimers
{
    private readonly string _name;
    private readonly long _incarnation = Accounting.Incarnation.New();
    private readonly IActorRef _coordinator;
    private readonly IDataSource _data;
    private readonly int _threads;
    private readonly IBatchCompute _compute;
    private readonly Queue<int> _queue = new();
    private readonly WorkerShards _shards;
    private int _epoch;
    private int _totalBatches;
    private long _stepCount;
    private long _pullId;
    private ServerDeadline? _deadline;
    private Carriers.ServerRoutes? _routes;
    private bool _announced;

    /// <summary>Cancelled by <see cref="StopWork"/> (through <see cref="StopListener"/> while a batch is computed, or here).</summary>
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The reason of the <see cref="StopWork"/> that cancelled <see cref="_stop"/>, for the line of a batch abandoned for it.</summary>
    private readonly StopReason _stopReason = new();

    /// <summary>The child that hears <see cref="StopWork"/> while this actor is busy computing.</summary>
    public const string StopListenerName = StopListener.Name;

    /// <summary>The servers' rollback generation this worker's weights come from: its pushes carry it, replies of another are dropped.</summary>
    private int _generation;

    /// <summary>Reports held for a coordinator on another node (<see cref="Report"/>), in the order the batches were done.</summary>
    private readonly HeldReports _reports;
    private readonly TimeSpan _reportWindow;

    public Worker(string name, IActorRef coordinator, IDataSource data, int threads)
        : this(name, coordinator, data, threads, ReplicaCompute.Instance)
    {
    }

    /// <param name="reportWindow">How long reports may be held (<see cref="Report"/>); null: <see cref="ReportWindow"/> for a
    /// coordinator on another node, none for one in this process.</param>
    internal Worker(string name, IActorRef coordinator, IDataSource data, int threads, IBatchCompute compute, TimeSpan? reportWindow = null)
    {
        _name = name;
        _coordinator = coordinator;
        _reportWindow = reportWindow ?? (coordinator.Path.Address.HasLocalScope ? TimeSpan.Zero : HeldReports.Window);
        _reports = new HeldReports(_reportWindow);
        _data = data;
        _threads = threads;
        _compute = compute;
        _shards = new WorkerShards(TrainShards.Of(data));
        Receive<InitWorker>(Init);
        // A run that fails before this worker was initialized (the plan's nodes never all came, say).
        Receive<StopWork>(stop => Stop(stop.Reason, "it had not started"));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private ServerDeadline Deadline => _deadline ??= new ServerDeadline(Timers, Context.System);

    public static Props Props(string name, IActorRef coordinator, IDataSource data, int threads) =>
        Akka.Actor.Props.Create(() => new Worker(name, coordinator, data, threads)).WithDispatcher(DistNNDispatchers.Compute);

    /// <summary>A worker whose batches run through <paramref name="compute"/> (the simulated cluster's stand-in).</summary>
    internal static Props Props(string name, IActorRef coordinator, IDataSource data, int threads, IBatchCompute compute) =>
        Akka.Actor.Props.CreateBy(new Producer(() => new Worker(name, coordinator, data, threads, compute))).WithDispatcher(DistNNDispatchers.Compute);

    /// <summary>A worker that holds its reports up to <paramref name="reportWindow"/> whether its coordinator is local or not.</summary>
    internal static Props Props(string name, IActorRef coordinator, IDataSource data, int threads, TimeSpan reportWindow) =>
        Akka.Actor.Props.CreateBy(new Producer(() => new Worker(name, coordinator, data, threads, ReplicaCompute.Instance, reportWindow)))
            .WithDispatcher(DistNNDispatchers.Compute);

    /// <summary>Akka creates actors through public constructors only; this one makes a worker through the internal one.</summary>
    private sealed class Producer(Func<Worker> create) : IIndirectActorProducer
    {
        public Type ActorType => typeof(Worker);

        public ActorBase Produce() => create();

        public void Release(ActorBase actor)
        {
        }
    }

    protected override void PreStart()
    {
        Context.ActorOf(StopListener.Props(_stop, _stopReason), StopListenerName);
        _coordinator.Tell(new RegisterWorker(Self, _name, _incarnation));
    }

    /// <summary>A worker stopped (its node leaving) sends what it holds: those batches were applied.</summary>
    protected override void PostStop()
    {
        SendReports();
        _stop.Dispose();
    }

    /// <summary>
    /// The run is being stopped, or has failed: nothing more is computed or pushed (a push already sent is the servers' to
    /// finish or refuse), held reports go, and the worker ignores everything from now on.
    /// </summary>
    private void Stop(string reason, string doing)
    {
        _stopReason.Text ??= reason;
        _stop.Cancel();
        Deadline.Stop();
        _queue.Clear();
        SendReports();
        Context.GetLogger().Warning("worker {0}: the run is stopping ({1}): {2}; it pushes nothing more", _name, reason, doing);
        Become(Stopped);
    }

    /// <summary>After <see cref="StopWork"/>, or a batch abandoned for it: nothing changes this worker any more.</summary>
    private void Stopped() => ReceiveAny(_ => { });

    /// <summary>
    /// A batch applied by every server, for the coordinator. One in this process goes at once; one on another node is
    /// held while this worker has more batches queued, until <see cref="HeldReports.Max"/> are held or the first has waited
    /// the window (<see cref="HeldReports.Window"/>; checked as each batch ends), and goes before anything else this worker tells the
    /// coordinator. Held reports are lost with the worker (its node killed): the coordinator deals those batches again
    /// and the servers, which apply an (epoch, batch) once, do not count them twice; the summary counts each batch once,
    /// when it is reported.
    /// </summary>
    private void Report(BatchDone done)
    {
        if (_reportWindow <= TimeSpan.Zero)
        {
            _coordinator.Tell(done);
            return;
        }
        if (_reports.Hold(done) || _queue.Count == 0)
        {
            SendReports();
        }
    }

    private void SendReports()
    {
        if (_reports.Take() is { } reports)
        {
            _coordinator.Tell(reports);
        }
    }

    /// <summary>Tells the coordinator <paramref name="message"/> after the reports held for it.</summary>
    private void TellCoordinator(object message)
    {
        SendReports();
        _coordinator.Tell(message);
    }

    /// <summary>The batch whose push is out and whose replies are awaited, if any (for the stop's log line).</summary>
    private int? _pushing;

    private void Init(InitWorker init)
    {
        WorkerReplica replica;
        try
        {
            ComputeThreads.Current = _threads;
            TrainingPlan plan = init.Plan.ToPlan();
            (_data as IPlanDataSource)?.Prepare(plan);
            // Servers of this ActorSystem directly (by reference); those on other nodes through the plan's carrier.
            _routes = new Carriers.ServerRoutes(init.DataPlanes, init.Credential);
            _generation = init.Generation;
            replica = new WorkerReplica(plan, _routes.Route(Context.System, init.Servers, plan), init.Servers.Select(Carriers.TensorTransports.IsLocal).ToList());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TellCoordinator(new TrainingFailed($"worker {_name}: {e.Message}"));
            return;
        }
        Pull(replica, () => Ready(replica));
    }

    /// <summary>The first pull is in: the coordinator hears that this worker is ready (once), and it waits for batches.</summary>
    private void Ready(WorkerReplica replica)
    {
        if (!_announced)
        {
            _announced = true;
            _coordinator.Tell(new WorkerReady(_name));
        }
        Become(() => Idle(replica));
    }

    /// <summary>Asks every server for its weights and takes them in; then <paramref name="then"/>.</summary>
    private void Pull(WorkerReplica replica, Action then)
    {
        foreach (var server in replica.Servers)
        {
            server.Tell(new PullWeights(++_pullId));
        }
        int awaiting = replica.Servers.Count;
        long first = _pullId - awaiting + 1;
        Deadline.Start("pull");
        Become(() =>
        {
            Receive<WeightsReply>(reply =>
            {
                if (reply.RequestId < first)
                {
                    return; // a pull's reply from before the servers were replaced
                }
                replica.TakeValues(reply.Weights, share: false);
                replica.TakeValues(reply.State, share: false);
                if (--awaiting == 0)
                {
                    Deadline.Stop();
                    then();
                }
            });
            Receive<ServerRequestOverdue>(o => Overdue(o, awaiting, replica));
            Common(replica);
        });
    }

    /// <summary>No batch queued: the next assignment starts from the servers' current weights (they may have moved on).</summary>
    private void Idle(WorkerReplica replica)
    {
        Receive<AssignBatches>(assign =>
        {
            if (Enqueue(replica, assign))
            {
                Pull(replica, () => Next(replica));
            }
        });
        Receive<Transport.TensorRequestFailed>(f => Unreachable(f));
        Receive<ServersReplaced>(r => Reroute(replica, r));
        Receive<StopWork>(stop => Stop(stop.Reason, "no batch was under way"));
    }

    /// <summary>What every busy phase handles: more batches queue up; a request lost with its connection fails the run.</summary>
    private void Common(WorkerReplica replica)
    {
        Receive<StopWork>(stop => Stop(stop.Reason, _pushing is { } b ? $"the push of batch {b} was sent before; its reply is not awaited" : "no batch was under way"));
        Receive<AssignBatches>(assign => Enqueue(replica, assign));
        // A push or pull lost with its data-plane connection that could not be sent again: no reply will come.
        Receive<Transport.TensorRequestFailed>(f => Unreachable(f));
        Receive<ServersReplaced>(r => Reroute(replica, r));
    }

    /// <summary>A lost request to a server this worker still sends to: the coordinator decides (a lost server may be replaced).</summary>
    private void Unreachable(Transport.TensorRequestFailed failed)
    {
        if (_routes!.IsCurrent(failed.Endpoint))
        {
            TellCoordinator(new ServerUnreachable($"worker {_name}: {failed.Reason}", failed.Endpoint, failed.Refused));
        }
    }

    /// <summary>
    /// A lost server was replaced (and every server restored): reach the new set, drop the queue and whatever is out,
    /// and wait for batches (a worker that never finished its first pull pulls again).
    /// </summary>
    private void Reroute(WorkerReplica replica, ServersReplaced replaced)
    {
        Deadline.Stop();
        _queue.Clear();
        // Reports held from before the servers were rolled back are of batches the rollback undid: dropped (the
        // coordinator deals again what the restored servers lack).
        _reports.Drop();
        replica.Reroute(_routes!.Reroute(Context.System, replaced, replica.Plan), replaced.Servers.Select(Carriers.TensorTransports.IsLocal).ToList());
        _generation = replaced.Generation;
        _coordinator.Tell(new Rerouted(_name, replaced.Generation));
        if (_announced)
        {
            Become(() => Idle(replica));
            return;
        }
        Pull(replica, () => Ready(replica));
    }

    /// <summary>
    /// Queues the assignment's batches (a new epoch drops what is left of the old one) and loads the shards they come
    /// from; false if it is refused.
    /// </summary>
    private bool Enqueue(WorkerReplica replica, AssignBatches assign)
    {
        int batchSize = replica.Plan.BatchSize;
        if (assign.TotalBatches != (_shards.TrainCount + batchSize - 1) / batchSize)
        {
            // A node whose data differs from the coordinator's would train on other samples than the plan deals out.
            TellCoordinator(new TrainingFailed($"worker {_name} has {_shards.TrainCount} training samples, but the coordinator "
                + $"cut the epoch into {assign.TotalBatches} batches of {batchSize}: every node must load the same data set"));
            return false;
        }
        try
        {
            _shards.Assign(assign.Epoch, replica.Plan.Seed, batchSize, assign.Shards);
        }
        catch (Exception e) when (e is ArgumentException or IOException or Data.DataException)
        {
            TellCoordinator(new TrainingFailed($"worker {_name}: {e.Message}"));
            return false;
        }
        if (assign.Epoch != _epoch)
        {
            _epoch = assign.Epoch;
            _queue.Clear();
            _totalBatches = assign.TotalBatches;
        }
        foreach (int id in assign.BatchIds)
        {
            _queue.Enqueue(id);
        }
        return true;
    }

    /// <summary>Runs the next queued batch and pushes its gradients, or tells the servers this worker is idle.</summary>
    private void Next(WorkerReplica replica)
    {
        int? answered = _pushing;
        _pushing = null;
        if (_stop.IsCancellationRequested)
        {
            // The stop listener heard the stop while the last push was out, and its reply came before this actor's own
            // copy of the stop: stop here as that copy would (held reports go, the line says why), not silently.
            Stop(_stopReason.Heard, answered is int b ? $"the push of batch {b} was answered; nothing more is started" : "nothing more is started");
            return;
        }
        if (!_queue.TryDequeue(out int batch))
        {
            foreach (var server in replica.Servers)
            {
                server.Tell(new WorkerIdle(_name, _epoch, _incarnation, _generation));
            }
            Become(() => Idle(replica));
            return;
        }
        ComputeThreads.Current = _threads; // the pool may run this actor on another of its threads than last time
        var (train, indices) = _shards.Batch(batch, replica.Plan.BatchSize);
        long step = ++_stepCount;
        int samples = indices.Length;
        double progress = _epoch - 1 + (double)batch / Math.Max(1, _totalBatches);
        var awaiting = new HashSet<(int Server, int Part)>(); // the push parts whose reply has not come
        if (replica.Overlaps)
        {
            // Each part goes as soon as the backward pass has finished its layer, while the pass goes on.
            replica.BeginParts((s, part) =>
            {
                replica.Servers[s].Tell(replica.PartFor(s, part, _name, _incarnation, _generation, step, _epoch, batch, samples, progress));
                awaiting.Add((s, part));
            });
        }
        long t0 = Stopwatch.GetTimestamp();
        float loss;
        int correct;
        try
        {
            (loss, correct) = _compute.Run(replica, _name, train, indices.Span, (long)(_epoch - 1) * _totalBatches + batch, _stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            Abandoned(batch, t0);
            return;
        }
        catch (NonFiniteException e)
        {
            TellCoordinator(new TrainingFailed($"training diverged at epoch {_epoch}, batch {batch} (worker {_name}): {e.Message}; "
                + $"try a lower learning rate than {replica.Plan.Optimizer.LearningRate:G4}"));
            Become(() => Idle(replica));
            return;
        }
        finally
        {
            replica.EndParts();
        }
        long pushedAt = Stopwatch.GetTimestamp();
        double compute = Stopwatch.GetElapsedTime(t0, pushedAt).TotalSeconds;
        if (awaiting.Count == 0)
        {
            if (_stop.IsCancellationRequested)
            {
                Abandoned(batch, t0); // computed, but the run stopped before its push: the result is dropped
                return;
            }
            // Without overlap, or when nothing went during the pass (a stand-in computed it): one whole push per server.
            for (int s = 0; s < replica.Servers.Count; s++)
            {
                replica.Servers[s].Tell(replica.PushFor(s, _name, _incarnation, _generation, step, _epoch, batch, samples, progress));
                awaiting.Add((s, 0));
            }
        }
        Deadline.Start($"push of epoch {_epoch}, batch {batch}");
        _pushing = batch;
        string? refused = null;
        Become(() =>
        {
            Receive<ServerRequestOverdue>(o => Overdue(o, awaiting.Select(a => a.Server).Distinct().Count(), replica));
            Receive<PushReply>(reply =>
            {
                if (reply.Step != step || reply.Generation != _generation || Answered(replica, reply, awaiting) is not { } answered || !awaiting.Remove(answered))
                {
                    return; // an earlier step's, one from before the servers were rolled back, or a part answered already
                }
                replica.TakeValues(reply.Weights, share: true);
                replica.TakeValues(reply.State, share: false);
                refused ??= reply.Refused;
                if (awaiting.Count > 0)
                {
                    return;
                }
                Deadline.Stop();
                if (refused is not null)
                {
                    // Not applied everywhere: the coordinator deals the batch again; the next batch starts from fresh weights.
                    TellCoordinator(new BatchRefused(_name, _incarnation, _epoch, batch, refused));
                    Pull(replica, () => Next(replica));
                    return;
                }
                var (sent, received) = Carriers.TensorTransports.Get(Context.System).Counters.BytesOf(Self);
                Report(new BatchDone(_name, _epoch, batch, samples, loss, correct, compute,
                    Stopwatch.GetElapsedTime(pushedAt).TotalSeconds, sent, received));
                Next(replica);
            });
            Common(replica);
        });
    }

    /// <summary>The run stopped while <paramref name="batch"/> was computed: nothing of it went to a server, and nothing more will.</summary>
    private void Abandoned(int batch, long startedAt) => Stop(_stopReason.Heard,
        $"batch {batch} of epoch {_epoch} abandoned {Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds:F0} ms into its computation, nothing of it pushed");

    /// <summary>
    /// Which awaited (server, part) a reply answers: the server owning its values' chunks; a reply without values (refused,
    /// or from a server with no chunk in that part) answers an awaited part of that number, one of a server with no chunk
    /// in it first. Null: nothing of that number is awaited (answered already).
    /// </summary>
    private static (int Server, int Part)? Answered(WorkerReplica replica, PushReply reply, HashSet<(int Server, int Part)> awaiting)
    {
        var values = reply.Weights.Count > 0 ? reply.Weights : reply.State;
        if (values.Count > 0 && awaiting.Contains((replica.ServerOf(values[0].ChunkId), reply.Part)))
        {
            return (replica.ServerOf(values[0].ChunkId), reply.Part);
        }
        (int Server, int Part)? any = null;
        foreach (var a in awaiting)
        {
            if (a.Part == reply.Part)
            {
                if (values.Count == 0 && replica.IsEmptyPart(a.Server, a.Part))
                {
                    return a;
                }
                any ??= a;
            }
        }
        return any;
    }

    private void Overdue(ServerRequestOverdue overdue, int unanswered, WorkerReplica replica)
    {
        if (Deadline.RestartIfLate(overdue))
        {
            return;
        }
        TellCoordinator(new ServerUnreachable(Deadline.Reason($"worker {_name}", overdue, unanswered, replica.Servers.Count)));
        Become(() => Idle(replica));
    }
}
