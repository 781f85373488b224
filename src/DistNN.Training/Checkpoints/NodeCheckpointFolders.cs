using DistNN.Protocol.Messages;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// A ps node's own checkpoint directory (a folder per server node): only its server's files, no manifests (those are
/// the coordinator's), so it is pruned by age: the newest folders by their files' time are kept.
/// </summary>
internal static class NodeCheckpointFolders
{
    /// <summary>
    /// Throws naming the mismatch when <paramref name="folder"/> (a checkpoint folder of this node's own directory) lacks
    /// server <paramref name="server"/>'s weights but holds another server's: the coordinator numbers servers in the
    /// order they register, and this node registered (as <paramref name="registeredAs"/>) under another index than the
    /// one it wrote them as. Reads nothing but the folder's names.
    /// </summary>
    public static void CheckHolds(string folder, int server, int registeredAs)
    {
        if (!Directory.Exists(folder) || File.Exists(Path.Combine(folder, ShardFiles.WeightsName(server))))
        {
            return;
        }
        var held = Directory.GetFiles(folder, "server-*.safetensors").Select(Path.GetFileName)
            .Where(n => n is not null && !n.EndsWith(".optimizer.safetensors", StringComparison.Ordinal)).Order().ToList();
        if (held.Count == 0)
        {
            return; // no server's files at all: reading names the missing one
        }
        throw new InvalidDataException($"this ps node's folder holds {string.Join(", ", held)}, not {ShardFiles.WeightsName(server)}: it wrote them "
            + $"as another server than the one it registered as now (server {registeredAs}); the coordinator numbers servers in the order they "
            + "register, so start the ps nodes in the order of the run that wrote the checkpoint, or use one shared --checkpoint-dir");
    }

    /// <summary>
    /// The shards this node's checkpoint folders hold, as their files say (<see cref="ShardFiles.HeldBy"/>): what the ps
    /// tells the coordinator when it registers, so that it is given the shard its own folder holds. None when the directory is missing.
    /// </summary>
    public static List<HeldShard> Held(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var held = new List<HeldShard>();
        foreach (var folder in CheckpointFolders(directory))
        {
            foreach (var file in Directory.GetFiles(folder, "server-*.optimizer.safetensors"))
            {
                string index = Path.GetFileName(file)["server-".Length..^".optimizer.safetensors".Length];
                if (int.TryParse(index, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int server)
                    && ShardFiles.HeldBy(folder, server) is { } shard)
                {
                    held.Add(shard);
                }
            }
        }
        return held;
    }

    /// <summary>
    /// Keeps the newest <paramref name="keep"/> folders by their files' time, and besides them <paramref name="completed"/>
    /// (the newest checkpoint the coordinator completed, whose manifest names this folder) and every folder written after
    /// it: a server ahead of the others writes folders no manifest covers yet, and they must not push out the one that is.
    /// </summary>
    public static void Prune(string directory, int keep, string? completed = null)
    {
        var folders = CheckpointFolders(directory).OrderByDescending(Directory.GetLastWriteTimeUtc).ToList();
        int protect = completed is null ? -1 : folders.FindIndex(p => Path.GetFileName(p) == completed);
        for (int i = Math.Max(Math.Max(1, keep), protect + 1); i < folders.Count; i++)
        {
            try
            {
                Directory.Delete(folders[i], recursive: true);
            }
            catch (IOException)
            {
                // Being read (a restore): the next prune tries again.
            }
        }
    }

    private static IEnumerable<string> CheckpointFolders(string directory) => Directory.GetDirectories(directory)
        .Where(p => Path.GetFileName(p) is { } n && (n.StartsWith("step-", StringComparison.Ordinal) || n.StartsWith("epoch-", StringComparison.Ordinal)
            || n.StartsWith("interrupt-", StringComparison.Ordinal)));
}
