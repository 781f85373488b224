namespace DistNN.Training.Checkpoints;

/// <summary>
/// A ps node's own checkpoint directory (a folder per server node): only its server's files, no manifests (those are
/// the coordinator's), so it is pruned by age: the newest folders by their files' time are kept.
/// </summary>
internal static class NodeCheckpointFolders
{
    public static void Prune(string directory, int keep)
    {
        var folders = Directory.GetDirectories(directory)
            .Where(p => Path.GetFileName(p) is { } n && (n.StartsWith("step-", StringComparison.Ordinal) || n.StartsWith("epoch-", StringComparison.Ordinal)
                || n.StartsWith("interrupt-", StringComparison.Ordinal)))
            .OrderByDescending(Directory.GetLastWriteTimeUtc)
            .ToList();
        foreach (string old in folders.Skip(Math.Max(1, keep)))
        {
            try
            {
                Directory.Delete(old, recursive: true);
            }
            catch (IOException)
            {
                // Being read (a restore): the next prune tries again.
            }
        }
    }
}
