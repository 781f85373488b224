using DistNN.Protocol.Messages;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// Which ps node takes which shard of a checkpoint when the servers' files are in their nodes' own folders
/// (docs/checkpoints.md): each shard goes to the node whose folder holds it (its files say the checkpoint, the server
/// index and the layout), whatever order the nodes registered in; a shard in the shared folder goes to a node without a
/// folder of its own. The registration order is kept when it fits. More nodes than shards may have registered (the plan's
/// servers and standbys): those left without a shard are the standbys.
/// </summary>
internal static class ShardMatching
{
    /// <summary>
    /// True when a ps node that registered with <paramref name="held"/> (null: no folder of its own) can restore shard
    /// <paramref name="shard"/> of checkpoint <paramref name="folder"/> (<paramref name="manifest"/>).
    /// </summary>
    public static bool Fits(IReadOnlyList<HeldShard>? held, CheckpointManifest manifest, string folder, int shard) =>
        manifest.Servers[shard].NodeDirectory is null
            ? held is null
            : held is not null && held.Any(h => h.Folder == folder && h.ServerIndex == shard && SameLayout(h, manifest, shard));

    /// <summary>
    /// The registered node (its position in <paramref name="held"/>, the registration order) that takes each shard of
    /// <paramref name="manifest"/>: result[i] takes shard i; nodes earlier in the order are given a shard first, each its
    /// own index when it fits. Throws <see cref="InvalidDataException"/> with one line naming
    /// the shards no node holds, those several hold and the folders of another plan, when no assignment covers every shard.
    /// </summary>
    public static int[] Assign(CheckpointManifest manifest, string folder, IReadOnlyList<IReadOnlyList<HeldShard>?> held, IReadOnlyList<string> names)
    {
        int n = manifest.Servers.Length;
        if (held.Count < n)
        {
            throw new InvalidDataException($"checkpoint {folder} has {n} servers, {held.Count} ps nodes registered");
        }
        var owner = Enumerable.Repeat(-1, n).ToArray();
        if (Enumerable.Range(0, n).All(i => Fits(held[i], manifest, folder, i)))
        {
            return Enumerable.Range(0, n).ToArray();
        }
        // Augmenting paths (Kuhn): each node tries its own index first, then the others.
        bool Take(int node, bool[] seen)
        {
            foreach (int shard in Enumerable.Range(0, n).OrderBy(s => s == node ? 0 : 1))
            {
                if (seen[shard] || !Fits(held[node], manifest, folder, shard))
                {
                    continue;
                }
                seen[shard] = true;
                if (owner[shard] < 0 || Take(owner[shard], seen))
                {
                    owner[shard] = node;
                    return true;
                }
            }
            return false;
        }
        for (int node = 0; node < held.Count && owner.Any(o => o < 0); node++)
        {
            Take(node, new bool[n]);
        }
        if (owner.All(o => o >= 0))
        {
            return owner;
        }
        throw new InvalidDataException($"the ps nodes' checkpoint folders cannot cover every shard of checkpoint {folder}: "
            + Explain(manifest, folder, held, names) + "; start each ps node with the --checkpoint-dir it wrote the checkpoint into");
    }

    /// <summary>Which shards no node holds, which several hold, and which nodes hold the folder for another layout.</summary>
    private static string Explain(CheckpointManifest manifest, string folder, IReadOnlyList<IReadOnlyList<HeldShard>?> held, IReadOnlyList<string> names)
    {
        var parts = new List<string>();
        int n = manifest.Servers.Length;
        for (int shard = 0; shard < n; shard++)
        {
            if (manifest.Servers[shard].NodeDirectory is null)
            {
                continue;
            }
            var holders = Enumerable.Range(0, held.Count).Where(p => Fits(held[p], manifest, folder, shard)).Select(p => names[p]).ToList();
            if (holders.Count == 0)
            {
                parts.Add($"shard {shard} ({ShardFiles.WeightsName(shard)}) is in no registered ps node's folder");
            }
            else if (holders.Count > 1)
            {
                parts.Add($"shard {shard} is in the folders of {holders.Count} ps nodes ({string.Join(", ", holders)})");
            }
        }
        for (int p = 0; p < held.Count; p++)
        {
            foreach (var h in held[p] ?? [])
            {
                if (h.Folder == folder && (h.ServerIndex >= n || !SameLayout(h, manifest, h.ServerIndex)))
                {
                    parts.Add($"{names[p]} holds {ShardFiles.WeightsName(h.ServerIndex)} of {folder} for another plan "
                        + $"({(h.ServerCount > 0 ? h.ServerCount : "?")} servers, chunks {h.Layout})");
                }
            }
        }
        int shared = manifest.Servers.Count(s => s.NodeDirectory is null);
        int readers = held.Count(h => h is null);
        if (readers < shared || (readers > shared && held.Count == n))
        {
            parts.Add($"{shared} shard(s) are in the shared folder and {readers} registered ps node(s) have no --checkpoint-dir of their own to read it");
        }
        return parts.Count > 0 ? string.Join("; ", parts) : "no assignment gives each ps node a shard its folder holds";
    }

    /// <summary>The files' layout is the manifest's for that shard (files written before they said so are taken by index).</summary>
    private static bool SameLayout(HeldShard held, CheckpointManifest manifest, int shard) =>
        shard < manifest.Servers.Length
        && (held.ServerCount == 0 || held.ServerCount == manifest.Servers.Length)
        && (held.Layout.Length == 0
            || held.Layout == ShardFiles.LayoutOf(manifest.Chunks.Where(c => c.Server == shard).Select(c => (c.Tensor, c.Offset, c.Length))));
}
