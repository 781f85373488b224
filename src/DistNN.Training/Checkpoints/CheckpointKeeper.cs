using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.Messages;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;

namespace DistNN.Training.Checkpoints;

/// <summary>A manifest is on disk (in the coordinator's process, never on the wire).</summary>
public sealed record ManifestWritten(string Folder, long Step) : INoSerializationVerificationNeeded;

/// <summary>
/// Asks the coordinator of this process for a checkpoint into Folder now (on an interrupt); answered with
/// <see cref="ManifestWritten"/>, or <see cref="CheckpointNotTaken"/> saying why there is none.
/// </summary>
public sealed record CheckpointNow(string Folder) : INoSerializationVerificationNeeded;

/// <summary>The checkpoint of Folder will not be written, and why (in the coordinator's process, never on the wire).</summary>
public sealed record CheckpointNotTaken(string Folder, string Why) : INoSerializationVerificationNeeded;

/// <summary>
/// The coordinator's side of checkpoints: tells the servers the policy, asks for a checkpoint at an epoch's end or on an
/// interrupt, collects each server's <see cref="ShardCheckpointed"/> per folder and, once every server's files are on
/// disk, has the manifest written (last) and old checkpoints pruned on the writer thread. On a resume it has every
/// server restore its shard before the workers start, and tells the coordinator which batches are done already.
/// </summary>
internal sealed class CheckpointKeeper(CheckpointOptions? options, TrainingPlan plan, IActorRef coordinator, ILoggingAdapter log)
{
    private readonly Dictionary<string, ShardCheckpointed?[]> _reports = [];
    private readonly HashSet<string> _written = [];
    private readonly DateTime _startedUtc = DateTime.UtcNow;
    private readonly Dictionary<string, IActorRef> _waiting = [];
    private readonly string _planWire = options is null ? "" : CheckpointManifest.EncodePlan(plan);
    private IReadOnlyList<ParameterChunk>? _chunks;
    private int _restored;
    private int _samplesPerEpoch;

    /// <summary>Held while a manifest is written and old checkpoints pruned (writer thread) or a rollback chooses its checkpoint (coordinator).</summary>
    private readonly object _disk = new();

    /// <summary>Rollbacks chosen so far: a manifest queued before one is not written (its cut was rolled back).</summary>
    private int _rollbacks;

    /// <summary>The folder of the interrupt's checkpoint once one is asked for (<see cref="Interrupt"/>), else null.</summary>
    private string? _interrupt;

    /// <summary>Servers whose copy for the interrupt's checkpoint has come in: any later copy of theirs was cut after it.</summary>
    private readonly HashSet<int> _pastInterrupt = [];

    /// <summary>Checkpoints a server cut after its interrupt copy: never completed.</summary>
    private readonly HashSet<string> _cutAfterInterrupt = [];

    public bool Enabled => options is not null;

    public CheckpointManifest? Resume => options?.ResumeFrom?.Manifest;

    /// <summary>The folder's name of the checkpoint a resume starts from.</summary>
    public string? ResumeFolder => options?.ResumeFrom?.Folder;

    /// <summary>Longest copy a server's step has waited for, in milliseconds (for the log line at the end).</summary>
    public double LongestCaptureMilliseconds { get; private set; }

    public int ManifestsWritten { get; private set; }

    /// <summary>Servers are initialized: tell them where and how often; on a resume, have them restore. True when nothing is left to wait for.</summary>
    public bool ServersInitialized(IReadOnlyList<IActorRef> servers, int samplesPerEpoch)
    {
        _samplesPerEpoch = samplesPerEpoch;
        if (options is null)
        {
            return true;
        }
        foreach (var s in servers)
        {
            s.Tell(new CheckpointPolicy(Path.GetFullPath(options.Directory), options.Every, options.Keep));
        }
        if (options.ResumeFrom is not { Manifest: { } manifest } from)
        {
            return true;
        }
        if (manifest.Servers.Length != servers.Count)
        {
            throw new InvalidOperationException($"checkpoint {from.Folder} has {manifest.Servers.Length} servers, the plan {servers.Count}");
        }
        for (int i = 0; i < servers.Count; i++)
        {
            var m = manifest.Servers[i];
            servers[i].Tell(new RestoreShard(from.Folder, m.Index, m.Files));
        }
        return false;
    }

    /// <summary>A server restored its shard; true once all have.</summary>
    public bool OnRestored(ShardRestored restored, int servers) => ++_restored == servers;

    /// <summary>Asks every server for a checkpoint into <paramref name="folder"/>; <paramref name="replyTo"/> hears when its manifest is written.</summary>
    public void Request(IReadOnlyList<IActorRef> servers, string folder, IActorRef? replyTo = null)
    {
        if (options is null)
        {
            return;
        }
        if (replyTo is not null)
        {
            _waiting[folder] = replyTo;
        }
        foreach (var s in servers)
        {
            s.Tell(new TakeCheckpoint(folder));
        }
    }

    /// <summary>
    /// A signal stops the run: every server checkpoints into <paramref name="folder"/> (<paramref name="replyTo"/> hears
    /// when its manifest is written, or why not) and then takes no checkpoint of its own every K steps; no checkpoint a
    /// server cuts after that one is completed, so the interrupt's checkpoint stays the newest, the one a resume uses.
    /// The coordinator has told workers and servers <see cref="Protocol.Messages.StopWork"/> first: the servers take
    /// only the rest of pushes begun before it.
    /// </summary>
    public void Interrupt(IReadOnlyList<IActorRef> servers, string folder, IActorRef replyTo)
    {
        if (options is null)
        {
            replyTo.Tell(new CheckpointNotTaken(folder, "the run has no checkpoint directory"));
            return;
        }
        _interrupt = folder;
        Request(servers, folder, replyTo);
        var none = new CheckpointPolicy(Path.GetFullPath(options.Directory), 0, options.Keep);
        foreach (var s in servers)
        {
            s.Tell(none);
        }
    }

    public void OnShard(ShardCheckpointed r, int totalBatches)
    {
        if (options is null || r.ServerIndex < 0 || r.ServerIndex >= plan.Servers || CutAfterInterrupt(r))
        {
            return;
        }
        LongestCaptureMilliseconds = Math.Max(LongestCaptureMilliseconds, r.CaptureMilliseconds);
        if (!_reports.TryGetValue(r.Folder, out var reports))
        {
            _reports[r.Folder] = reports = new ShardCheckpointed?[plan.Servers];
        }
        reports[r.ServerIndex] = r;
        if (reports.Any(x => x is null))
        {
            return;
        }
        _reports.Remove(r.Folder);
        var manifest = Manifest(r.Folder, reports!, totalBatches);
        string folder = Path.Combine(options.Directory, r.Folder);
        int keep = options.Keep;
        string directory = options.Directory;
        int rollbacks = _rollbacks;
        bool awaited = _waiting.ContainsKey(r.Folder); // whoever waits hears if it is not written
        bool queued = CheckpointWriter.Shared.TryEnqueue(() =>
        {
            try
            {
                lock (_disk)
                {
                    if (rollbacks != _rollbacks)
                    {
                        log.Info("checkpoint {0}: manifest not written: the servers were rolled back since its cut", r.Folder);
                        if (awaited)
                        {
                            coordinator.Tell(new CheckpointNotTaken(r.Folder, "the servers were rolled back since its cut"));
                        }
                        return;
                    }
                    manifest.WriteTo(folder);
                    CheckpointStore.Prune(directory, keep, r.Folder);
                }
                CheckpointTestHook.AfterManifest(r.Folder);
                coordinator.Tell(new ManifestWritten(r.Folder, manifest.Step));
            }
            catch (IOException e)
            {
                log.Error("checkpoint {0}: manifest not written: {1}", folder, e.Message);
                if (awaited)
                {
                    coordinator.Tell(new CheckpointNotTaken(r.Folder, $"its manifest was not written: {e.Message}"));
                }
            }
        });
        if (!queued)
        {
            log.Warning("the checkpoint writer is behind: manifest of {0} skipped", r.Folder);
            OnNotTaken(new CheckpointNotTaken(r.Folder, "the checkpoint writer was behind: its manifest was skipped"));
        }
    }

    /// <summary>
    /// After an interrupt: true (and the checkpoint dropped) when a server cut <paramref name="r"/>'s checkpoint after its
    /// interrupt copy. Each server's reports come in the order of its copies (one writer thread), so a report after its
    /// interrupt report is of a later cut, possibly of a higher step than the interrupt's checkpoint.
    /// </summary>
    private bool CutAfterInterrupt(ShardCheckpointed r)
    {
        if (_interrupt is null)
        {
            return false;
        }
        if (r.Folder == _interrupt)
        {
            _pastInterrupt.Add(r.ServerIndex);
            return false;
        }
        if (!_pastInterrupt.Contains(r.ServerIndex) && !_cutAfterInterrupt.Contains(r.Folder))
        {
            return false;
        }
        if (_cutAfterInterrupt.Add(r.Folder))
        {
            _reports.Remove(r.Folder);
            log.Info("checkpoint {0}: cut after the interrupt's checkpoint {1}: not completed", r.Folder, _interrupt);
        }
        return true;
    }

    /// <summary>A checkpoint will not be written: whoever waits for it hears why.</summary>
    public void OnNotTaken(CheckpointNotTaken notTaken)
    {
        if (_waiting.Remove(notTaken.Folder, out var waiting))
        {
            waiting.Tell(notTaken);
        }
    }

    /// <summary>True once the manifest of <paramref name="folder"/> is on disk.</summary>
    public bool HasWritten(string folder) => _written.Contains(folder);

    /// <summary>A manifest is on disk: <paramref name="servers"/> hear it is complete (a ps node's own folder keeps it).</summary>
    public void OnWritten(ManifestWritten written, IReadOnlyList<IActorRef> servers)
    {
        foreach (var s in servers)
        {
            s.Tell(new CheckpointCompleted(written.Folder));
        }
        _written.Add(written.Folder);
        if (_waiting.Remove(written.Folder, out var waiting))
        {
            waiting.Tell(written);
        }
        ManifestsWritten++;
        log.Debug("checkpoint {0} written (step {1})", written.Folder, written.Step);
    }

    /// <summary>Where and how often a server (a standby taking a lost one's place) writes its checkpoints.</summary>
    public CheckpointPolicy Policy => new(Path.GetFullPath(options!.Directory), options.Every);

    /// <summary>
    /// The checkpoint every server goes back to when a lost one is replaced: the newest of this run (its manifest made
    /// since the coordinator started, or the one it resumed from) whose files check out, as on disk now; each newer one of
    /// the run that does not is reported by name. Null: none. Chosen while no manifest is written or pruned, and a
    /// manifest queued before is not written after: the chosen checkpoint stays the newest complete one, so no prune
    /// deletes it before a newer one (of the rolled-back run) is complete — after every server has read it.
    /// </summary>
    public CheckpointEntry? ChooseForRollback(Action<string> report)
    {
        lock (_disk)
        {
            _rollbacks++;
            return LatestOfRun(report);
        }
    }

    private CheckpointEntry? LatestOfRun(Action<string> report)
    {
        if (options is null)
        {
            return null;
        }
        foreach (var listed in CheckpointStore.List(options.Directory, verifyFiles: false))
        {
            if (listed.Manifest is not { } m || (m.CreatedUtc < _startedUtc && listed.Folder != options.ResumeFrom?.Folder))
            {
                continue; // unfinished, or another run's
            }
            var entry = CheckpointStore.Check(listed.Path);
            if (entry.IsGood)
            {
                return entry;
            }
            report($"checkpoint {entry.Folder} cannot be restored, skipped: {string.Join("; ", entry.Problems)}");
        }
        return null;
    }

    /// <summary>Server <paramref name="index"/>'s restore from <paramref name="from"/> under rollback <paramref name="generation"/>.</summary>
    public static RestoreShard RestoreOf(CheckpointEntry from, int index, int generation)
    {
        var server = from.Manifest!.Servers[index];
        return new RestoreShard(from.Folder, server.Index, server.Files, generation);
    }

    /// <summary>Forgets the servers' reports of checkpoints not finished yet: the servers are rolled back, those cuts are gone.</summary>
    public void DropPending()
    {
        _reports.Clear();
        foreach (string folder in _waiting.Keys.ToList())
        {
            OnNotTaken(new CheckpointNotTaken(folder, "the servers were rolled back before it was complete"));
        }
    }

    private CheckpointManifest Manifest(string folder, ShardCheckpointed[] reports, int totalBatches)
    {
        // A batch counts as applied when every server has applied it (in sync mode their sets are the same). A server
        // still in the previous epoch has finished it (the next starts only then) and applied none of this one yet.
        int epoch = reports.Max(x => x.Epoch);
        var applied = reports.Select(x => x.Epoch == epoch ? (IEnumerable<int>)x.AppliedBatches : [])
            .Aggregate((a, b) => a.Intersect(b)).Order().ToArray();
        _chunks ??= ParameterLayout.For(Nn.Models.ModelBuilder.Build(plan.Model, plan.Seed), plan.Servers).Chunks;
        return new CheckpointManifest
        {
            Folder = folder,
            Step = reports.Max(x => x.Step),
            Epoch = epoch,
            Reason = folder.Split('-')[0],
            CreatedUtc = DateTime.UtcNow,
            TotalBatches = totalBatches,
            BatchesApplied = applied,
            SamplesApplied = applied.Sum(b => (long)Math.Min(plan.BatchSize, _samplesPerEpoch - b * plan.BatchSize)),
            PermutationSeed = plan.Seed,
            Plan = CheckpointManifest.Describe(plan),
            PlanWire = _planWire,
            Chunks = _chunks.Select(c => new ManifestChunk(c.Id, c.TensorName, c.OffsetInTensor, c.Length, c.Server)).ToArray(),
            Servers = reports.Select(x => new ManifestServer(x.ServerIndex, x.Step, x.Epoch, x.AppliedBatches.ToArray(), x.Files.ToArray(), x.CaptureMilliseconds, x.NodeDirectory)).ToArray(),
        };
    }
}
