namespace DistNN.Data.Batching;

/// <summary>
/// An order of sample indices (an epoch's permutation, or one worker's shard of it) cut into consecutive
/// minibatches of <see cref="BatchSize"/>; the last batch keeps the remainder and may be shorter.
/// A value type over the caller's buffer: making one, slicing it and walking its batches allocate nothing.
/// </summary>
public readonly struct MinibatchPlan
{
    private readonly ReadOnlyMemory<int> _order;

    public MinibatchPlan(ReadOnlyMemory<int> order, int batchSize)
    {
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1");
        }
        _order = order;
        BatchSize = batchSize;
    }

    /// <summary>
    /// Fills <paramref name="order"/> with the (seed, epoch) permutation of 0..order.Length−1 (the same as
    /// <see cref="Shuffle.Permutation"/>) and plans batches over it. Reuse one buffer across epochs.
    /// </summary>
    public static MinibatchPlan ForEpoch(int[] order, int batchSize, int seed, int epoch)
    {
        Shuffle.PermuteInto(order, seed, epoch);
        return new MinibatchPlan(order, batchSize);
    }

    /// <summary>The sample indices in the order they are visited.</summary>
    public ReadOnlyMemory<int> Order => _order;

    public int BatchSize { get; }

    public int SampleCount => _order.Length;

    /// <summary>Number of batches: ⌈samples / batch size⌉.</summary>
    public int BatchCount => BatchSize == 0 ? 0 : (_order.Length + BatchSize - 1) / BatchSize;

    /// <summary>The indices of batch <paramref name="index"/> (0-based): a slice of the order, not a copy.</summary>
    public ReadOnlySpan<int> Batch(int index)
    {
        if ((uint)index >= (uint)BatchCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"the plan has {BatchCount} batches");
        }
        int start = index * BatchSize;
        return _order.Span.Slice(start, Math.Min(BatchSize, _order.Length - start));
    }

    /// <summary>
    /// Shard <paramref name="shard"/> of <paramref name="shards"/>: a contiguous slice of the order with the same batch
    /// size. Shard sizes differ by at most one sample, and together the shards cover the order exactly once.
    /// </summary>
    public MinibatchPlan Shard(int shard, int shards)
    {
        var (start, length) = ShardRange(_order.Length, shard, shards);
        return new MinibatchPlan(_order.Slice(start, length), BatchSize);
    }

    /// <summary>Start and length of shard <paramref name="shard"/> when <paramref name="count"/> items are split into <paramref name="shards"/> balanced contiguous parts.</summary>
    public static (int Start, int Length) ShardRange(int count, int shard, int shards)
    {
        if (shards <= 0 || (uint)shard >= (uint)shards)
        {
            throw new ArgumentOutOfRangeException(nameof(shard), $"shard {shard} of {shards} does not exist");
        }
        // The first count % shards shards take one extra item.
        int baseLength = count / shards;
        int extra = count % shards;
        int start = shard * baseLength + Math.Min(shard, extra);
        return (start, baseLength + (shard < extra ? 1 : 0));
    }

    public Enumerator GetEnumerator() => new(this);

    /// <summary>Walks the batches in order with <c>foreach (ReadOnlySpan&lt;int&gt; batch in plan)</c>.</summary>
    public ref struct Enumerator
    {
        private readonly MinibatchPlan _plan;
        private int _index;

        internal Enumerator(MinibatchPlan plan)
        {
            _plan = plan;
            _index = -1;
        }

        public readonly ReadOnlySpan<int> Current => _plan.Batch(_index);

        public bool MoveNext() => ++_index < _plan.BatchCount;
    }
}
