using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// A parameter server's side of checkpoints. Every <see cref="CheckpointPolicy.Every"/> applied steps (and when told) it
/// copies its shard between two messages — the only time a step waits — and hands the copy to the
/// <see cref="CheckpointWriter"/> thread, which writes the files and tells the coordinator (<see cref="ShardCheckpointed"/>).
/// In sync mode every server applies the same rounds, so their step-K copies are one consistent cut. With
/// <paramref name="nodeDirectory"/> (a ps node's own --checkpoint-dir) it writes and restores there, not in the coordinator's directory.
/// </summary>
internal sealed class ShardCheckpoints(int serverIndex, IActorRef coordinator, TrainingPlan plan, ILoggingAdapter log, string? nodeDirectory = null)
{
    private string? _directory;
    private int _every;
    private int _keep;
    private long _lastStep;
    /// <summary>
    /// Checkpoints asked for or due while rounds were under way, in order: each is written once they finish. More than one
    /// can wait (an epoch's end and an interrupt in the same round); a single slot would lose the first.
    /// </summary>
    private readonly List<string> _due = [];
    private string? _completed;
    private IReadOnlyList<int[]>? _shapes;

    /// <summary>The newest checkpoint the coordinator has completed: a ps node's own folder keeps it and those written after it.</summary>
    public void OnCompleted(CheckpointCompleted completed) => _completed = completed.Folder;

    public void OnPolicy(CheckpointPolicy policy)
    {
        _directory = nodeDirectory ?? policy.Directory;
        _every = policy.Every;
        _keep = policy.Keep;
    }

    /// <summary>After each message: a checkpoint when the step count has reached the next multiple of the interval.</summary>
    public void AfterMessage(ServerShard shard)
    {
        if (_directory is not null && _every > 0 && shard.Steps > 0 && shard.Steps % _every == 0 && shard.Steps != _lastStep)
        {
            Due($"step-{shard.Steps:D10}");
        }
        if (_due.Count > 0 && shard.BetweenRounds)
        {
            // Never a half-applied push: a checkpoint due meanwhile waits for the rounds under way to finish.
            var folders = _due.ToList();
            _due.Clear();
            foreach (string folder in folders)
            {
                Write(shard, folder);
            }
        }
    }

    private void Due(string folder)
    {
        if (!_due.Contains(folder))
        {
            _due.Add(folder);
        }
    }

    public void OnTake(ServerShard shard, TakeCheckpoint take)
    {
        if (_directory is null)
        {
            log.Warning("parameter server {0}: told to checkpoint into {1}, but it has no checkpoint directory: ignored", serverIndex, take.Folder);
            return;
        }
        if (!shard.BetweenRounds)
        {
            Due(take.Folder); // written after the message that finishes the rounds under way
            return;
        }
        Write(shard, take.Folder);
    }

    /// <summary>Loads the shard from a checkpoint folder; false (after telling the coordinator why) when it cannot.</summary>
    public void OnRestore(ServerShard shard, RestoreShard restore, IActorRef sender, IActorRef server)
    {
        string folder = Path.Combine(_directory ?? "", restore.Folder);
        try
        {
            if (nodeDirectory is not null)
            {
                NodeCheckpointFolders.CheckHolds(folder, restore.FromServer, serverIndex);
            }
            var layout = Layout();
            var state = ShardFiles.Read(folder, restore.FromServer, restore.Files, layout.ChunksOf(serverIndex).ToList(), Shapes());
            shard.Restore(state, restore.Generation);
            log.Info("parameter server {0}: restored from {1} (step {2}, epoch {3}, {4} batches of it applied)",
                serverIndex, folder, state.Step, state.Epoch, state.AppliedBatches.Length);
            Restored(state.Step, restore.Generation, sender, server);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            sender.Tell(new TrainingFailed($"parameter server {serverIndex} cannot restore from {folder}: {e.Message}"));
        }
    }

    /// <summary>Goes back to the plan's initial state (a lost server replaced before the run's first checkpoint).</summary>
    public void OnReset(ServerShard shard, ResetShard reset, IActorRef sender, IActorRef server)
    {
        shard.Restore(shard.Initial(serverIndex, Layout()), reset.Generation);
        log.Info("parameter server {0}: back to the plan's initial weights (step 0, epoch 1)", serverIndex);
        Restored(0, reset.Generation, sender, server);
    }

    /// <summary>
    /// Tells the coordinator the shard is at <paramref name="step"/> now, through the writer's queue: it hears of every
    /// checkpoint written before the restore first.
    /// </summary>
    private void Restored(long step, int generation, IActorRef sender, IActorRef server)
    {
        _lastStep = step;
        _due.Clear();
        var restored = new ShardRestored(serverIndex, step, generation);
        if (!CheckpointWriter.Shared.TryEnqueue(() => sender.Tell(restored, server)))
        {
            sender.Tell(restored, server);
        }
    }

    private void Write(ServerShard shard, string folderName)
    {
        long start = Stopwatch.GetTimestamp();
        var state = shard.Capture(serverIndex);
        double captureMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        _lastStep = state.Step;
        string folder = Path.Combine(_directory!, folderName);
        var shapes = Shapes();
        string? completed = _completed;
        bool queued = CheckpointWriter.Shared.TryEnqueue(() =>
        {
            try
            {
                var files = ShardFiles.Write(folder, state, plan.Model, shapes, plan.Servers);
                coordinator.Tell(new ShardCheckpointed(serverIndex, folderName, state.Step, state.Epoch, state.AppliedBatches, files.ToList(), captureMs,
                    nodeDirectory));
                if (nodeDirectory is not null)
                {
                    NodeCheckpointFolders.Prune(nodeDirectory, _keep + 2, completed);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Error("parameter server {0}: checkpoint {1} not written: {2}", serverIndex, folder, e.Message);
            }
        });
        if (!queued)
        {
            log.Warning("parameter server {0}: the checkpoint writer is behind: checkpoint {1} skipped", serverIndex, folderName);
        }
    }

    private ParameterLayout Layout() => ParameterLayout.For(ModelBuilder.Build(plan.Model, plan.Seed), plan.Servers);

    private IReadOnlyList<int[]> Shapes() => _shapes ??= Layout().Tensors.Select(t => t.Value.Shape.ToArray()).ToList();
}
