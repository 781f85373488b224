using DistNN.Data;
using DistNN.Data.Batching;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Sharding;

/// <summary>
/// A worker's shards of the epoch: the sample ranges its assignments name, loaded once (a shard kept from the epoch
/// before is not loaded again, one no longer dealt is dropped at the epoch's start), each with the epoch's seeded order
/// of its samples, so that a batch id gives the samples to train on.
/// </summary>
internal sealed class WorkerShards(ITrainShards source)
{
    private sealed record Loaded(ShardRange Range, ShardSamples Samples, int Epoch, int FirstBatch, int BatchCount, int[] Order);

    private readonly Dictionary<int, Loaded> _shards = [];
    private int _epoch;

    public int TrainCount => source.TrainCount;

    /// <summary>
    /// Takes an assignment's shards (null: one shard of the whole set). A new epoch drops the shards it does not name.
    /// Throws <see cref="ArgumentException"/> for a range outside the training set or not starting on a batch.
    /// </summary>
    public void Assign(int epoch, int seed, int batchSize, IReadOnlyList<ShardRange>? shards)
    {
        shards ??= [new ShardRange(0, 0, TrainCount)];
        if (epoch != _epoch)
        {
            foreach (int id in _shards.Keys.Where(id => !shards.Any(s => s.Id == id)).ToList())
            {
                _shards.Remove(id);
            }
            _epoch = epoch;
        }
        foreach (var range in shards)
        {
            if (range.Start < 0 || range.Length <= 0 || (long)range.Start + range.Length > TrainCount || range.Start % batchSize != 0)
            {
                throw new ArgumentException($"shard {range.Id} (samples {range.Start} to {(long)range.Start + range.Length - 1}) does not fit this worker's "
                    + $"{TrainCount} training samples in batches of {batchSize}: every node must load the same data set");
            }
            if (_shards.TryGetValue(range.Id, out var loaded) && loaded.Range == range && loaded.Epoch == epoch)
            {
                continue;
            }
            // A shard kept from the epoch before is not read again: only its order is new.
            var samples = loaded is not null && loaded.Range == range ? loaded.Samples : source.Load(range);
            var order = ShardLayout.ShardOrder(new SampleShard(range.Id, range.Start, range.Length), seed, epoch);
            int offset = range.Start - samples.First;
            for (int i = 0; i < order.Length; i++)
            {
                order[i] += offset;
            }
            var (first, count) = ShardLayout.BatchesOf(new SampleShard(range.Id, range.Start, range.Length), batchSize);
            _shards[range.Id] = new Loaded(range, samples, epoch, first, count, order);
        }
    }

    /// <summary>The data and indices into it of batch <paramref name="batch"/>, from the shard that holds it.</summary>
    public (Dataset Data, ReadOnlyMemory<int> Indices) Batch(int batch, int batchSize)
    {
        foreach (var l in _shards.Values)
        {
            if (batch >= l.FirstBatch && batch < l.FirstBatch + l.BatchCount)
            {
                int from = (batch - l.FirstBatch) * batchSize;
                return (l.Samples.Data, l.Order.AsMemory(from, Math.Min(batchSize, l.Order.Length - from)));
            }
        }
        throw new ArgumentException($"batch {batch} lies in none of this worker's shards ({string.Join(", ", _shards.Values.Select(l => $"{l.Range.Id}: {l.Range.Start}+{l.Range.Length}"))})");
    }
}
