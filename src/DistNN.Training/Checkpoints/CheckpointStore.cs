namespace DistNN.Training.Checkpoints;

/// <summary>
/// A checkpoint folder as found on disk: its manifest when readable, and what is wrong with it (empty: usable).
/// <paramref name="Unfinished"/>: the folder has no manifest at all (a write that never ended), not a corrupt one.
/// </summary>
public sealed record CheckpointEntry(string Folder, string Path, CheckpointManifest? Manifest, IReadOnlyList<string> Problems, bool Unfinished = false)
{
    public bool IsGood => Manifest is not null && Problems.Count == 0;
}

/// <summary>
/// A checkpoint directory: one folder per checkpoint (step-N for every K steps, epoch-E at an epoch's end, interrupt-TIME),
/// each a server's files and the coordinator's manifest.json. Orders them newest first (by step, then by time), checks
/// them file by file, finds the latest usable one and keeps only the newest N.
/// </summary>
public static class CheckpointStore
{
    /// <summary>Every folder of <paramref name="directory"/> that holds or was meant to hold a checkpoint, newest first, checked.</summary>
    public static IReadOnlyList<CheckpointEntry> List(string directory, bool verifyFiles = true)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var entries = new List<CheckpointEntry>();
        foreach (string path in Directory.GetDirectories(directory))
        {
            string name = System.IO.Path.GetFileName(path);
            if (!(name.StartsWith("step-", StringComparison.Ordinal) || name.StartsWith("epoch-", StringComparison.Ordinal)
                || name.StartsWith("interrupt-", StringComparison.Ordinal)))
            {
                continue;
            }
            entries.Add(Check(path, verifyFiles));
        }
        return entries
            .OrderByDescending(e => e.Manifest?.Step ?? StepOfName(e.Folder))
            .ThenByDescending(e => e.Manifest?.CreatedUtc ?? Directory.GetLastWriteTimeUtc(e.Path))
            .ToList();
    }

    /// <summary>An unfinished step-N folder sorts by its N; others without a manifest last.</summary>
    private static long StepOfName(string folder) =>
        folder.StartsWith("step-", StringComparison.Ordinal) && long.TryParse(folder.AsSpan(5), out long step) ? step : -1;

    /// <summary>Reads a folder's manifest and checks every file it names (length and SHA-256).</summary>
    public static CheckpointEntry Check(string path, bool verifyFiles = true)
    {
        string name = System.IO.Path.GetFileName(path);
        CheckpointManifest manifest;
        try
        {
            manifest = CheckpointManifest.Read(path);
        }
        catch (InvalidDataException e)
        {
            bool unfinished = !File.Exists(System.IO.Path.Combine(path, CheckpointManifest.FileName));
            return new CheckpointEntry(name, path, null, [e.Message], unfinished);
        }
        var problems = new List<string>();
        if (verifyFiles)
        {
            // A server's files in a folder of its own node are checked there, when it restores.
            foreach (var file in manifest.FilesHere)
            {
                try
                {
                    ShardFiles.CheckFile(path, file);
                }
                catch (InvalidDataException e)
                {
                    problems.Add(e.Message);
                }
            }
        }
        return new CheckpointEntry(name, path, manifest, problems);
    }

    /// <summary>
    /// The newest usable checkpoint of <paramref name="directory"/>, or null; each newer one that is not usable is
    /// reported through <paramref name="report"/> by name with its problem.
    /// </summary>
    public static CheckpointEntry? LatestGood(string directory, Action<string> report)
    {
        foreach (var entry in List(directory))
        {
            if (entry.IsGood)
            {
                return entry;
            }
            if (entry.Unfinished)
            {
                report($"checkpoint {entry.Folder} was never finished (no manifest): skipped");
                continue;
            }
            report($"checkpoint {entry.Folder} is corrupt, skipped: {string.Join("; ", entry.Problems)}");
        }
        return null;
    }

    /// <summary>
    /// Keeps <paramref name="justWritten"/> (the checkpoint whose manifest was just written: the newest complete one,
    /// whatever its step — after a rollback, or beside another run's checkpoints, finished ones of higher steps may be on
    /// disk) and the newest others up to <paramref name="keep"/> finished checkpoints in all; deletes older folders, and
    /// unfinished ones older than the newest kept (a crash's leftovers). Newer unfinished folders may be being written: left alone.
    /// </summary>
    public static void Prune(string directory, int keep, string? justWritten = null)
    {
        var entries = List(directory, verifyFiles: false);
        var finished = entries.Where(e => e.Manifest is not null).ToList();
        if (finished.Count == 0)
        {
            return;
        }
        var kept = finished.Where(e => e.Folder == justWritten).Concat(finished.Where(e => e.Folder != justWritten)).Take(Math.Max(1, keep)).ToList();
        var keepSet = kept.Select(e => e.Path).ToHashSet();
        DateTime newestTime = Directory.GetLastWriteTimeUtc(kept[0].Path);
        foreach (var e in entries)
        {
            bool old = e.Manifest is not null ? !keepSet.Contains(e.Path) : Directory.GetLastWriteTimeUtc(e.Path) < newestTime.AddSeconds(-60);
            if (old)
            {
                try
                {
                    Directory.Delete(e.Path, recursive: true);
                }
                catch (IOException)
                {
                    // Another process may be reading it; the next prune tries again.
                }
            }
        }
    }
}
