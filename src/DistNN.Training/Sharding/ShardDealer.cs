using DistNN.Data.Batching;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Sharding;

/// <summary>
/// The coordinator's shards: the run's <see cref="ShardLayout"/> (cut for the plan's workers, the same every epoch and on a
/// resume) and who owns each shard. At an epoch's start the live workers take contiguous blocks of shards; a batch dealt
/// later (a stopped worker's, a refused one, one a server lacked) goes to its shard's owner, or, when the owner is gone or
/// to be avoided, its whole shard moves to the least loaded live worker, who then loads it.
/// </summary>
internal sealed class ShardDealer(ShardLayout layout)
{
    private readonly string?[] _owner = new string?[layout.Shards.Count];

    public ShardLayout Layout => layout;

    /// <summary>Live worker k of K (in the given order) owns the k-th contiguous block of shards.</summary>
    public void StartEpoch(IReadOnlyList<string> live)
    {
        Array.Clear(_owner);
        for (int k = 0; k < live.Count; k++)
        {
            foreach (var shard in layout.ShardsOf(k, live.Count))
            {
                _owner[shard.Id] = live[k];
            }
        }
    }

    /// <summary>
    /// Which worker trains which of <paramref name="batches"/>, with the shard ranges it needs for them. Each shard's batches
    /// go together to one of <paramref name="to"/>: its owner, else the worker with the fewest batches outstanding
    /// (<paramref name="load"/> plus this deal's), which becomes the owner.
    /// </summary>
    public Dictionary<string, (List<int> Batches, List<ShardRange> Shards)> Deal(IReadOnlyList<int> batches, IReadOnlyList<string> to, Func<string, int> load)
    {
        var deal = new Dictionary<string, (List<int> Batches, List<ShardRange> Shards)>();
        var outstanding = to.ToDictionary(w => w, load);
        foreach (var group in batches.GroupBy(b => layout.ShardOf(b).Id).OrderBy(g => g.Key))
        {
            var shard = layout.Shards[group.Key];
            string owner = _owner[shard.Id] is { } o && outstanding.ContainsKey(o)
                ? o
                : outstanding.OrderBy(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
            _owner[shard.Id] = owner;
            if (!deal.TryGetValue(owner, out var share))
            {
                deal[owner] = share = ([], []);
            }
            share.Batches.AddRange(group.Order());
            share.Shards.Add(new ShardRange(shard.Id, shard.Start, shard.Length));
            outstanding[owner] += group.Count();
        }
        return deal;
    }
}
