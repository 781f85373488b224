using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors.Supervision;
using DistNN.Training.Checkpoints;
using DistNN.Training.Configuration;
using DistNN.Training.Engine;

namespace DistNN.Training.Actors;

/// <summary>
/// A lost parameter server replaced while training goes on (--standby-servers N, docs/checkpoints.md): a standby or a
/// newly registered ps node takes its chunks, every server is rolled back to the run's latest checkpoint (before the
/// first one: to the plan's initial state), the workers and the evaluator are given the new routes, and the coordinator
/// deals the batches applied since again, as a resume would. Each rollback is a generation: the servers refuse pushes
/// of an older one. Phase: recovering, between two training phases.
/// </summary>
public sealed partial class Coordinator
{
    private sealed record ReplacementTimedOut : INoSerializationVerificationNeeded;

    /// <summary>A worker could not reach a server, and no server was noticed lost in time: the run fails with Reason.</summary>
    private sealed record UnreachableTimedOut(string Reason) : INoSerializationVerificationNeeded;

    private readonly StandbyPool _standbys;
    private ServerRecovery? _recovery;

    /// <summary>The servers' rollback generation: how many rollbacks this run has begun (restores, routes and pushes carry it).</summary>
    private int _rollbacks;

    /// <summary>The highest epoch whose line was reported: one trained again after a rollback is reported as replayed.</summary>
    private int _reportedEpoch;

    /// <summary>Samples trained, then rolled back by a recovery and trained again.</summary>
    private long _replayed;

    /// <summary>Since the last recovery ended, until the first batch done after it (for the log: training again).</summary>
    private System.Diagnostics.Stopwatch? _sinceRecovered;

    public IStash Stash { get; set; } = null!;

    /// <summary>Lost servers are replaced when the run has standbys and checkpoints to restore from.</summary>
    private bool ReplacesServers => _standbys.Wanted > 0 && _checkpoints.Enabled && _epoch > 0;

    private TimeSpan ReplacementTimeout => FailureSettings.From(Context.System.Settings.Config).ServerReplacementTimeout;

    /// <summary>
    /// A ps beyond the plan's: a standby while the pool has room, or beyond it when its own folder holds checkpoint files
    /// (<see cref="StandbyPool"/>); false when it is not wanted.
    /// </summary>
    private bool OfferStandby(RegisterServer r)
    {
        if (!_standbys.TryAdd(r.Server, r.DataPlane ?? "", r.Held))
        {
            return false;
        }
        Context.Watch(r.Server);
        if (_standbys.Count > _standbys.Wanted)
        {
            // Its folder may hold a lost server's files (its node started again before the loss was noticed): kept for that.
            _log.Warning("parameter server {0} registered beyond the {1} standbys: kept beside them, its own folder holds checkpoint files ({2})",
                r.Server.Path, _standbys.Wanted, string.Join(", ", r.Held!.Select(h => $"{h.Folder}/{ShardFiles.WeightsName(h.ServerIndex)}").Take(4)));
        }
        else
        {
            _log.Info("standby parameter server {0} registered ({1} of {2})", r.Server.Path, _standbys.Count, _standbys.Wanted);
        }
        _listener?.Invoke(MemberSeen.Of("ps", $"standby-{_standbys.Count}", r.Server.Path, "up"));
        return true;
    }

    /// <summary>
    /// A worker or the evaluator lost a request to a server. Without standbys that ends the run (naming the server's node
    /// as gone when its data plane refused the connection, <see cref="GoneServer"/>). With them, a current server whose
    /// data plane refused the connection is gone: its node is downed and its replacement starts at once
    /// (<see cref="OnServerGone"/>), instead of after the failure detector finds the node unreachable and the split-brain
    /// resolver downs it. Any other loss (a deadline, a timeout: the server may be paused or cut off and come back; an
    /// endpoint no current server has) may be about to be noticed lost and replaced, so the run fails only if that has not
    /// happened within the timeout.
    /// </summary>
    private void OnServerUnreachable(ServerUnreachable unreachable)
    {
        if (!ReplacesServers)
        {
            Fail(unreachable.Reason, GoneServer(unreachable));
            return;
        }
        if (GoneServerIndex(unreachable) is int gone and >= 0 && !_seenStopped.Contains(_servers[gone]))
        {
            OnServerGone(gone, unreachable.Endpoint);
            return;
        }
        if (!Timers.IsTimerActive("unreachable"))
        {
            _log.Warning("{0}; waiting up to {1:0.#} s for the server to be noticed lost and replaced", unreachable.Reason, ReplacementTimeout.TotalSeconds);
            Timers.StartSingleTimer("unreachable", new UnreachableTimedOut(unreachable.Reason), ReplacementTimeout);
        }
    }

    /// <summary>
    /// The node of the server whose data plane refused <paramref name="unreachable"/>'s connection: nothing listens there,
    /// so that node's process is gone (a paused one's socket still accepts). Null when the connection was not refused (a
    /// deadline, a timeout: the node may be paused or cut off and come back), or when the endpoint is no current server's
    /// (one replaced since). A server in the coordinator's own process is reached in memory, never refused.
    /// </summary>
    private GoneNode? GoneServer(ServerUnreachable unreachable) =>
        GoneServerIndex(unreachable) is int index and >= 0 ? GoneServer(index, unreachable.Endpoint) : null;

    private GoneNode GoneServer(int index, string endpoint) => new(_servers[index].Path.Address, GoneWhy($"parameter server {index}", $"data plane at {endpoint}"));

    /// <summary>The index of the current server whose data plane refused <paramref name="unreachable"/>'s connection, or -1 (<see cref="GoneServer"/>).</summary>
    private int GoneServerIndex(ServerUnreachable unreachable)
    {
        int index = unreachable.Refused && unreachable.Endpoint.Length > 0 ? _dataPlanes.IndexOf(unreachable.Endpoint) : -1;
        return index < _servers.Count ? index : -1;
    }

    /// <summary>
    /// Server <paramref name="index"/>'s data plane at <paramref name="endpoint"/> refused a connection: its node's process
    /// is gone (a paused one's socket still accepts). Its node is downed now, and it (with a worker of the same node) is
    /// handled as any gone node's (<see cref="OnNodeGone"/>): replaced as a stopped server is (<see cref="OnServerLost"/>).
    /// </summary>
    private void OnServerGone(int index, string endpoint) => OnNodeGone(_servers[index].Path.Address, $"data plane at {endpoint}", _servers[index]);

    /// <summary>
    /// Downs <paramref name="gone"/>'s node, in a cluster (in one process nothing is refused, and there is no node to down):
    /// no member that is neither up nor down then holds up the cluster (a new ps node's admission, the others' leave), and
    /// the failure detector, which would find it unreachable seconds later, is not waited for.
    /// </summary>
    private void Down(GoneNode gone)
    {
        if (Context.System is not ExtendedActorSystem { Provider: Akka.Cluster.IClusterActorRefProvider })
        {
            return;
        }
        gone.DownIn(Akka.Cluster.Cluster.Get(Context.System), line => _log.Warning("{0}", line));
    }

    /// <summary>
    /// Server <paramref name="index"/> stopped in training (<paramref name="lost"/>: how it was lost, "stopped" by default):
    /// its replacement starts, or the run fails saying why it cannot.
    /// </summary>
    private void OnServerLost(int index, IActorRef server, string? lost = null)
    {
        lost ??= $"parameter server {index} ({server.Path}) stopped";
        if (!ReplacesServers)
        {
            Fail($"{lost}; its chunks' weights are lost");
            return;
        }
        // No checkpoint of the run yet: the plan's initial state (its spec and seed) is the one every server goes back to.
        var from = _checkpoints.ChooseForRollback(line => _log.Warning("{0}", line));
        Timers.Cancel("unreachable");
        _recovery = new ServerRecovery(_servers.Count, from);
        _log.Warning("{0}; a standby takes its chunks and every server goes back to {1}", lost, _recovery.Describe);
        _listener?.Invoke(new FailureSeen($"{lost} in epoch {_epoch}; replacing it from {_recovery.Describe}"));
        // Pushes that reach a server from now on are refused until the rolled-back epoch is dealt again.
        var none = new LiveWorkers([], []);
        foreach (var s in _servers.Where(s => !s.Equals(server)))
        {
            s.Tell(none);
        }
        _checkpoints.DropPending();
        Become(Recovering);
        _recovery.OnLost(index, lost, ++_rollbacks);
        Advance();
    }

    /// <summary>Until every lost server is replaced, every server restored and every worker rerouted; what training was doing meanwhile is rolled back.</summary>
    private void Recovering()
    {
        Receive<Terminated>(t => OnStoppedWhileRecovering(t.ActorRef));
        Receive<RegisterServer>(r =>
        {
            if (_servers.Contains(r.Server))
            {
                return;
            }
            if (_recovery!.Waiting.Where(i => Fits(r.Held, i)).Select(i => (int?)i).FirstOrDefault() is int index)
            {
                Context.Watch(r.Server);
                Replace(index, r.Server, r.DataPlane ?? "", r.Held);
            }
            else
            {
                OfferStandby(r);
            }
            Advance();
        });
        Receive<ShardRestored>(r =>
        {
            if (r.ServerIndex >= 0 && r.ServerIndex < _servers.Count && Sender.Equals(_servers[r.ServerIndex]))
            {
                _recovery!.OnRestored(r.ServerIndex, r.Generation);
                Advance();
            }
        });
        Receive<Rerouted>(r =>
        {
            _recovery!.OnRerouted(r.Name, r.Generation);
            Advance();
        });
        Receive<ReplacementTimedOut>(_ => Fail(
            $"{string.Join(", ", _recovery!.Lost)}; no standby or new ps node took its chunks within {ReplacementTimeout.TotalSeconds:0.#} s "
            + $"({FailureSettings.Section}.server-replacement-timeout){OwnFolderNeeded()}"));
        Receive<RegisterWorker>(_ => Stash.Stash());
        Receive<WorkerReady>(r => _ready.Add(r.Name));
        Receive<ManifestWritten>(w => _checkpoints.OnWritten(w, _servers));
        Receive<CheckpointNotTaken>(_checkpoints.OnNotTaken);
        Receive<CheckpointNow>(c => Sender.Tell(new CheckpointNotTaken(c.Folder, "a lost parameter server was being replaced")));
        Receive<StopRun>(OnStopRun);
        Receive<ActorCrashed>(OnCrashed);
        Receive<NodeInterrupted>(OnInterrupted);
        Receive<TrainingFailed>(f => Fail(f.Reason));
        ReceiveGoneNodes();
        // Batches done, refused or reported, evaluations and checkpoints of the servers' state before the rollback: void.
        ReceiveAny(_ => { });
    }

    private void OnStoppedWhileRecovering(IActorRef actor)
    {
        _seenStopped.Add(actor);
        int server = _servers.IndexOf(actor);
        if (actor.Equals(_evaluator))
        {
            Fail($"the evaluator ({actor.Path}) stopped");
            return;
        }
        if (server >= 0)
        {
            LostWhileRecovering(server, $"parameter server {server} ({actor.Path}) stopped");
        }
        else if (!_standbys.Remove(actor) && _workers.FirstOrDefault(kv => kv.Value.Equals(actor)).Key is { } name)
        {
            _log.Warning("worker {0} stopped while servers were being replaced", name);
            _workers.Remove(name);
            _incarnations.Remove(name);
            _ready.Remove(name);
            _live.Remove(name);
            _recovery!.Forget(name);
            _listener?.Invoke(MemberSeen.Of("worker", name, actor.Path, "stopped"));
        }
        Advance();
    }

    /// <summary>Server <paramref name="index"/> was lost (<paramref name="lost"/>) while servers were being replaced: it needs a replacement too.</summary>
    private void LostWhileRecovering(int index, string lost)
    {
        _log.Warning("{0} while servers were being replaced; it needs a replacement too", lost);
        _recovery!.OnLost(index, lost, ++_rollbacks);
    }

    /// <summary><paramref name="server"/> takes lost server <paramref name="index"/>'s chunks: initialized as it, then restored.</summary>
    private void Replace(int index, IActorRef server, string dataPlane, IReadOnlyList<HeldShard>? held)
    {
        _servers[index] = server;
        _dataPlanes[index] = dataPlane;
        _held[index] = held;
        server.Tell(new InitServer(_planMessage, index, _servers.Count, _dataPlaneKey));
        server.Tell(_checkpoints.Policy);
        _recovery!.OnReplaced(index, server.Path.ToString());
        _log.Info("parameter server {0} takes the chunks of server {1}", server.Path, index);
        _listener?.Invoke(MemberSeen.Of("ps", $"ps-{index}", server.Path, "up"));
    }

    /// <summary>
    /// Whether a ps node that registered with <paramref name="held"/> can take lost server <paramref name="index"/>'s
    /// chunks: any can when the run goes back to its start or the checkpoint's files of that server are in the shared
    /// folder; when they are in the lost node's own folder, only a node whose folder holds them (that node restarted on its disk).
    /// </summary>
    private bool Fits(IReadOnlyList<HeldShard>? held, int index) =>
        !NeedsOwnFolder(index) || ShardMatching.Fits(held, _recovery!.From!.Manifest!, _recovery.From.Folder, index);

    /// <summary>Lost server <paramref name="index"/>'s files of the checkpoint the recovery goes back to are in its node's own folder.</summary>
    private bool NeedsOwnFolder(int index) => _recovery!.From is { Manifest: { } m } && m.Servers[index].NodeDirectory is not null;

    /// <summary>Why no standby fitted, when the lost servers' files are in their own nodes' folders.</summary>
    private string OwnFolderNeeded()
    {
        var waiting = _recovery!.Waiting.Where(NeedsOwnFolder).ToList();
        return waiting.Count == 0 ? ""
            : $": the files of {string.Join(", ", waiting.Select(i => $"server {i}"))} in checkpoint {_recovery.From!.Folder} are in the lost node's own "
                + "folder, and no ps node whose --checkpoint-dir holds them registered (start the lost node again on its disk, or use one shared --checkpoint-dir)";
    }

    /// <summary>The next step of the recovery: replacements, restores, new routes, then training again.</summary>
    private void Advance()
    {
        var recovery = _recovery!;
        foreach (int index in recovery.Waiting.ToList())
        {
            if (_standbys.TryTake(held => Fits(held, index), out var standby))
            {
                Replace(index, standby.Server, standby.DataPlane, standby.Held);
            }
        }
        if (recovery.Waiting.Count > 0)
        {
            if (!Timers.IsTimerActive("replacement"))
            {
                _log.Warning("{0}: waiting up to {1:0.#} s for a new ps node to register",
                    _standbys.Count > 0 ? $"no standby parameter server's own folder holds {string.Join(", ", recovery.Waiting.Select(i => $"server {i}'s files"))}"
                        : "no standby parameter server left", ReplacementTimeout.TotalSeconds);
                Timers.StartSingleTimer("replacement", new ReplacementTimedOut(), ReplacementTimeout);
            }
            return;
        }
        Timers.Cancel("replacement");
        foreach (int index in recovery.TakeRestoresToSend())
        {
            _servers[index].Tell(recovery.From is { } from
                ? CheckpointKeeper.RestoreOf(from, index, recovery.Generation)
                : new ResetShard(recovery.Generation));
        }
        if (!recovery.AllRestored)
        {
            return;
        }
        if (!recovery.RerouteSent)
        {
            var replaced = new ServersReplaced(recovery.Generation, _servers.ToList(), _dataPlanes.ToList());
            recovery.RerouteSentTo(_workers.Keys.Append("evaluator").ToList());
            foreach (var worker in _workers.Values)
            {
                worker.Tell(replaced);
            }
            _evaluator.Tell(replaced);
        }
        if (recovery.AllRerouted)
        {
            Recovered(recovery);
        }
    }

    /// <summary>Every server holds the checkpoint's state and every worker the new routes: training goes on from the checkpoint.</summary>
    private void Recovered(ServerRecovery recovery)
    {
        _recovery = null;
        var m = recovery.From?.Manifest;
        _log.Warning("{0}", $"servers replaced in {recovery.Since.Elapsed.TotalSeconds:0.000} s ({recovery.Replacements}): every server restored from "
            + (m is null ? recovery.Describe + ": every batch of the run is dealt again"
                : $"checkpoint {recovery.From!.Folder} (step {m.Step}, epoch {m.Epoch}, {m.BatchesApplied.Length} of its {m.TotalBatches} batches applied)")
            + "; training goes on");
        _sinceRecovered = System.Diagnostics.Stopwatch.StartNew();
        Become(Training);
        Stash.UnstashAll();
        long before = Position;
        if (m is null)
        {
            RollBackToStart();
        }
        else
        {
            RollBackTo(m);
        }
        long replayed = Math.Max(0, before - Position);
        _replayed += replayed;
        string to = m is null ? "the run's start (no checkpoint yet)" : $"checkpoint {recovery.From!.Folder}";
        _listener?.Invoke(new RolledBack($"rolled back to {to} after {string.Join(", ", recovery.Lost)}: {replayed} samples are trained again"
            + (_reportedEpoch >= _epoch ? $"; the lines of epoch{(_reportedEpoch > _epoch ? $"s {_epoch}–{_reportedEpoch}" : $" {_epoch}")} are not printed again" : "")));
    }

    /// <summary>Samples of the run trained so far (its epochs before this one and this epoch's batches done, the resumed ones included).</summary>
    private long Position => _processed + (_countedEpoch == _epoch ? 0 : _epochSamples);

    /// <summary>The coordinator's run goes back to its start, as the servers did: epoch 1, nothing applied or processed.</summary>
    private void RollBackToStart() => RestartAt(1, [], carried: 0);

    /// <summary>
    /// The run's counts go back to the start of <paramref name="epoch"/>, whose <paramref name="applied"/> batches
    /// (<paramref name="carried"/> samples) are done already; the others are dealt again.
    /// </summary>
    private void RestartAt(int epoch, HashSet<int> applied, long carried)
    {
        _processed = _applied = (long)(epoch - 1) * _data.TrainCount;
        _countedEpoch = epoch - 1;
        _carriedSamples = carried;
        StartEpoch(epoch, applied);
    }

    /// <summary>The first batch done since a recovery: training goes on (the line scripts/recovery-timing.sh times).</summary>
    private void OnTrainingAgain(BatchDone done)
    {
        if (_sinceRecovered is { } since)
        {
            _sinceRecovered = null;
            _log.Warning("training again: batch {0} of epoch {1} done {2:0.000} s after the servers were replaced", done.BatchId, done.Epoch, since.Elapsed.TotalSeconds);
        }
    }

    /// <summary>
    /// The coordinator's epoch and counts go back to <paramref name="m"/>'s, as on a resume: its epoch with its applied
    /// batches finished and the others dealt again (the next epoch when it had every batch applied). A checkpoint that
    /// ends the current epoch has only the epoch's end done again: the servers' reports, then the evaluation.
    /// </summary>
    private void RollBackTo(CheckpointManifest m)
    {
        bool complete = m.BatchesApplied.Length >= m.TotalBatches;
        if (complete && m.Epoch == _epoch)
        {
            _live.Clear();
            _live.UnionWith(_ready.Where(_workers.ContainsKey));
            TellServersLive();
            for (int b = 0; b < _ledger.Batches; b++)
            {
                if (!_ledger.IsFinished(b) && _ledger.Finish(b))
                {
                    _epochSamples += Math.Min(_plan.BatchSize, _data.TrainCount - b * _plan.BatchSize);
                }
            }
            AskServersWhenFinished();
            return;
        }
        RestartAt(complete ? m.Epoch + 1 : m.Epoch, complete ? [] : [.. m.BatchesApplied], complete ? 0 : m.SamplesApplied);
    }
}
