using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.Messages;
using DistNN.Training.Plan;

namespace DistNN.Training.Actors;

/// <summary>
/// A parameter server: owns a share of the model's chunks and their optimizer state; the update runs here. Phases:
/// waiting for <see cref="InitServer"/>, then serving pushes and pulls through its <see cref="ServerShard"/>; or, told
/// <see cref="StopWork"/> while waiting, stopped (it is never initialized).
/// </summary>
public sealed class ParameterServer : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef? _coordinator;
    private readonly string? _checkpointDirectory;

    public ParameterServer(IActorRef? coordinator, string? checkpointDirectory = null)
    {
        _coordinator = coordinator;
        _checkpointDirectory = checkpointDirectory;
        Receive<InitServer>(Init);
        // A run stopped or failed before this server was initialized (one of the plan's that the run never started, a
        // standby, a resume's candidate): it holds nothing, and starts nothing from now on.
        Receive<StopWork>(stop =>
        {
            _log.Warning("parameter server {0} (not initialized): the run is stopping ({1}): it holds no chunks; it starts nothing", Self.Path.ToStringWithoutAddress(), stop.Reason);
            Become(() => Receive<InitServer>(i => _log.Warning(
                "parameter server {0} was told the run is stopping before it was initialized: InitServer as server {1} ignored", Self.Path.ToStringWithoutAddress(), i.ServerIndex)));
        });
    }

    /// <summary>
    /// A server that registers itself with <paramref name="coordinator"/> when it starts (null: whoever creates it registers
    /// it); with <paramref name="checkpointDirectory"/> (its node's own folder) its checkpoint files go there.
    /// </summary>
    public static Props Props(IActorRef? coordinator, string? checkpointDirectory = null) =>
        Akka.Actor.Props.Create(() => new ParameterServer(coordinator, checkpointDirectory)).WithDispatcher(DistNNDispatchers.Compute);

    /// <summary>Registers with the shards its node's own checkpoint folder holds, so that a resume or a recovery gives it the one it holds.</summary>
    protected override void PreStart() =>
        _coordinator?.Tell(new RegisterServer(Self, Carriers.TensorTransports.Get(Context.System).DataPlane.Announcement,
            _checkpointDirectory is null ? null : Checkpoints.NodeCheckpointFolders.Held(_checkpointDirectory)));

    protected override void PostStop() => Carriers.TensorTransports.Get(Context.System).DataPlane.StopServing(Self);

    private void Init(InitServer init)
    {
        ServerShard shard;
        try
        {
            shard = new ServerShard(init.Plan.ToPlan(), init.ServerIndex, init.ServerCount, _log);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Sender.Tell(new TrainingFailed($"parameter server {init.ServerIndex}: {e.Message}"));
            return;
        }
        if (init.DataPlaneKey is { } key)
        {
            Carriers.TensorTransports.Get(Context.System).DataPlane.Serve(Self, key);
        }
        Sender.Tell(new ServerReady(init.ServerIndex, shard.ChunkCount, shard.FloatCount));
        var coordinator = Sender;
        var checkpoints = new Checkpoints.ShardCheckpoints(init.ServerIndex, coordinator, init.Plan.ToPlan(), _log, _checkpointDirectory);
        Become(() => Serving(shard, init.ServerIndex, coordinator, checkpoints));
    }

    /// <summary>
    /// Serves pushes and pulls. A message that makes the shard throw (a push lacking a chunk, a bug) cannot be mended by
    /// a restart, which would come back with empty weights: the server tells the coordinator why and stops.
    /// </summary>
    private void Serving(ServerShard shard, int index, IActorRef coordinator, Checkpoints.ShardCheckpoints checkpoints)
    {
        void Guarded<T>(T message, Action<T> handle)
        {
            try
            {
                handle(message);
                checkpoints.AfterMessage(shard);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                string cause = $"parameter server {index} stopped on {typeof(T).Name}: {e.GetType().Name}: {Supervision.StopAndReportStrategy.FirstLine(e.Message)}";
                _log.Error(cause);
                coordinator.Tell(new TrainingFailed(cause));
                Context.Stop(Self);
            }
        }
        Receive<LiveWorkers>(m => Guarded(m, shard.OnLiveWorkers));
        Receive<PullWeights>(m => Guarded(m, p => shard.OnPull(p, Sender)));
        Receive<WorkerIdle>(m => Guarded(m, shard.OnIdle));
        Receive<PushGradients>(m => Guarded(m, p => shard.OnPush(p, Sender)));
        Receive<ReportApplied>(m => Guarded(m, r => shard.OnReportApplied(r, Sender)));
        Receive<StopWork>(m => Guarded(m, shard.OnStop));
        Receive<CheckpointPolicy>(checkpoints.OnPolicy);
        Receive<CheckpointCompleted>(checkpoints.OnCompleted);
        Receive<TakeCheckpoint>(m => Guarded(m, t => checkpoints.OnTake(shard, t)));
        Receive<RestoreShard>(m => Guarded(m, r => checkpoints.OnRestore(shard, r, Sender, Self)));
        Receive<ResetShard>(m => Guarded(m, r => checkpoints.OnReset(shard, r, Sender, Self)));
        Receive<InitServer>(i => _log.Warning("parameter server {0} was initialized already: InitServer ignored", i.ServerIndex));
    }
}
