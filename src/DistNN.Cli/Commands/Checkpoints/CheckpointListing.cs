using DistNN.Training.Checkpoints;

namespace DistNN.Cli.Commands.Checkpoints;

/// <summary>One line per checkpoint folder, newest first, for `distnn checkpoint ls` and `verify`.</summary>
internal static class CheckpointListing
{
    /// <summary>The checkpoints of <paramref name="directory"/>; a missing directory is bad input (exit 2).</summary>
    public static IReadOnlyList<CheckpointEntry> Load(string directory, bool verifyFiles)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"checkpoint directory '{directory}' does not exist");
        }
        return CheckpointStore.List(directory, verifyFiles);
    }

    /// <summary>Loads the checkpoints and prints a line for each; none is bad input (exit 2, said on stderr).</summary>
    public static IReadOnlyList<CheckpointEntry> Print(string directory, bool verifyFiles)
    {
        var entries = Load(directory, verifyFiles);
        if (entries.Count == 0)
        {
            Console.Error.WriteLine($"distnn: no checkpoints in '{directory}'");
        }
        foreach (var e in entries)
        {
            Console.WriteLine(Line(e));
        }
        return entries;
    }

    public static string Line(CheckpointEntry e)
    {
        if (e.Manifest is not { } m)
        {
            return $"{e.Folder,-18} {(e.Unfinished ? "unfinished (no manifest)" : "corrupt: " + string.Join("; ", e.Problems))}";
        }
        long bytes = m.Files.Sum(f => f.Bytes);
        string state = e.Problems.Count == 0 ? "ok" : "corrupt: " + string.Join("; ", e.Problems);
        return $"{e.Folder,-18} step {m.Step,7}  epoch {m.Epoch}/{m.Plan.GetValueOrDefault("epochs")}  batches {m.BatchesApplied.Length}/{m.TotalBatches}  "
            + $"{m.Servers.Length} server(s)  {bytes / 1e6:F1} MB  {m.CreatedUtc:yyyy-MM-dd HH:mm:ss}Z  {state}"
            + string.Concat(m.OnTheirNodes.Select(s => $"; server {s.Index}'s files are in {s.NodeDirectory} on its node (checked when it restores)"));
    }
}
