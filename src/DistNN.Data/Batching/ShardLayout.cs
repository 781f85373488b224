namespace DistNN.Data.Batching;

/// <summary>A contiguous range of training samples (in the files' order) that one worker loads and trains on in an epoch.</summary>
public readonly record struct SampleShard(int Id, int Start, int Length)
{
    public int End => Start + Length;
}

/// <summary>
/// An epoch's training set cut into shards a worker can load alone: the batches (B samples, the last one shorter) are split
/// into <see cref="Workers"/> balanced contiguous blocks, each block into up to <see cref="ShardsPerWorker"/> shards, so
/// every shard starts on a batch boundary and batch b always holds min(B, N − b·B) samples. Each epoch, a shard's samples
/// are visited in a seeded permutation of the shard alone (<see cref="ShardOrder"/>); its batches are consecutive slices of it.
/// Shard 0's permutation is <see cref="Shuffle.Permutation"/>'s, so a layout of one shard is the plain loop's order.
/// </summary>
public sealed class ShardLayout
{
    /// <summary>Shards per worker's block: when a worker is lost, its block moves to the others in this many pieces.</summary>
    public const int ShardsPerWorker = 4;

    private readonly SampleShard[] _shards;
    private readonly int[] _firstBatch;

    public ShardLayout(int samples, int batchSize, int workers, int shardsPerWorker = ShardsPerWorker)
    {
        if (samples < 0 || batchSize <= 0 || workers <= 0 || shardsPerWorker <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(samples), $"a shard layout needs samples ≥ 0, a batch size, workers and shards per worker ≥ 1 (got {samples}, {batchSize}, {workers}, {shardsPerWorker})");
        }
        Samples = samples;
        BatchSize = batchSize;
        Workers = workers;
        Batches = (samples + batchSize - 1) / batchSize;
        var shards = new List<SampleShard>();
        var first = new List<int>();
        for (int w = 0; w < workers; w++)
        {
            var (blockStart, blockLength) = MinibatchPlan.ShardRange(Batches, w, workers);
            for (int j = 0; j < shardsPerWorker; j++)
            {
                var (start, length) = MinibatchPlan.ShardRange(blockLength, j, shardsPerWorker);
                if (length == 0)
                {
                    continue;
                }
                int batch = blockStart + start;
                int sampleStart = batch * batchSize;
                shards.Add(new SampleShard(shards.Count, sampleStart, Math.Min(samples, (batch + length) * batchSize) - sampleStart));
                first.Add(batch);
            }
        }
        _shards = [.. shards];
        _firstBatch = [.. first];
    }

    public int Samples { get; }

    public int BatchSize { get; }

    /// <summary>The workers the layout was cut for: worker w's block is <see cref="ShardsOf"/>(w, Workers).</summary>
    public int Workers { get; }

    public int Batches { get; }

    public IReadOnlyList<SampleShard> Shards => _shards;

    /// <summary>The shard holding batch <paramref name="batch"/>.</summary>
    public SampleShard ShardOf(int batch)
    {
        if ((uint)batch >= (uint)Batches)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"the epoch has {Batches} batches");
        }
        int i = Array.BinarySearch(_firstBatch, batch);
        return _shards[i >= 0 ? i : ~i - 1];
    }

    /// <summary>The batches of <paramref name="shard"/>: the first one's id and how many.</summary>
    public static (int First, int Count) BatchesOf(SampleShard shard, int batchSize) =>
        (shard.Start / batchSize, (shard.Length + batchSize - 1) / batchSize);

    /// <summary>
    /// The shards worker <paramref name="worker"/> of <paramref name="workers"/> takes: a contiguous block of shard ids
    /// (with <see cref="Workers"/> workers, exactly the block cut for it).
    /// </summary>
    public IEnumerable<SampleShard> ShardsOf(int worker, int workers)
    {
        var (start, length) = MinibatchPlan.ShardRange(_shards.Length, worker, workers);
        return _shards.Skip(start).Take(length);
    }

    /// <summary>Positions 0..length−1 of <paramref name="shard"/> in the order epoch <paramref name="epoch"/> visits them.</summary>
    public static int[] ShardOrder(SampleShard shard, int seed, int epoch) =>
        Shuffle.Permutation(shard.Length, shard.Id == 0 ? seed : unchecked(seed + shard.Id * 1_000_033), epoch);

    /// <summary>The sample indices of batch <paramref name="batch"/> in <paramref name="epoch"/>.</summary>
    public int[] BatchSamples(int batch, int seed, int epoch)
    {
        var shard = ShardOf(batch);
        var order = ShardOrder(shard, seed, epoch);
        int from = (batch - shard.Start / BatchSize) * BatchSize;
        var samples = new int[Math.Min(BatchSize, shard.Length - from)];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = order[from + i] + shard.Start;
        }
        return samples;
    }

    /// <summary>Every sample of the epoch in batch-id order: what one worker holding every shard visits.</summary>
    public int[] EpochOrder(int seed, int epoch) =>
        _shards.SelectMany(s => ShardOrder(s, seed, epoch).Select(i => i + s.Start)).ToArray();

    /// <summary>
    /// The epoch as sync rounds of the layout's own workers (each with its block): round r is worker 0's r-th batch, then
    /// worker 1's, …; cut into batches of Workers × B, this order is what one process trains to reach the sync run's weights
    /// (exactly so when every worker has as many batches as the others and every batch is full).
    /// </summary>
    public int[] SyncRoundOrder(int seed, int epoch)
    {
        var perWorker = Enumerable.Range(0, Workers)
            .Select(w => ShardsOf(w, Workers).SelectMany(s => Enumerable.Range(BatchesOf(s, BatchSize).First, BatchesOf(s, BatchSize).Count)).ToList())
            .ToList();
        int rounds = perWorker.Max(b => b.Count);
        var order = new List<int>(Samples);
        for (int r = 0; r < rounds; r++)
        {
            foreach (var batches in perWorker.Where(b => r < b.Count))
            {
                order.AddRange(BatchSamples(batches[r], seed, epoch));
            }
        }
        return [.. order];
    }
}
