using DistNN.Data.Batching;

namespace DistNN.Data.Tests;

public class MinibatchPlanSpec
{
    [Theory]
    [InlineData(10, 3)]
    [InlineData(12, 4)]
    [InlineData(5, 8)]
    public void An_epoch_visits_every_index_exactly_once_with_a_partial_last_batch(int samples, int batchSize)
    {
        var plan = MinibatchPlan.ForEpoch(new int[samples], batchSize, seed: 3, epoch: 0);

        var seen = new List<int>();
        var sizes = new List<int>();
        foreach (ReadOnlySpan<int> batch in plan)
        {
            seen.AddRange(batch.ToArray());
            sizes.Add(batch.Length);
        }

        Assert.Equal(Enumerable.Range(0, samples), seen.Order());
        Assert.Equal((samples + batchSize - 1) / batchSize, plan.BatchCount);
        Assert.All(sizes[..^1], s => Assert.Equal(batchSize, s));
        Assert.Equal(samples - batchSize * (sizes.Count - 1), sizes[^1]);
    }

    [Fact]
    public void Same_seed_and_epoch_give_the_same_order()
    {
        var a = MinibatchPlan.ForEpoch(new int[100], 10, seed: 7, epoch: 2);
        var b = MinibatchPlan.ForEpoch(new int[100], 10, seed: 7, epoch: 2);

        Assert.Equal(a.Order.ToArray(), b.Order.ToArray());
    }

    [Fact]
    public void Another_epoch_or_seed_gives_another_order()
    {
        var first = MinibatchPlan.ForEpoch(new int[100], 10, seed: 7, epoch: 0).Order.ToArray();
        var nextEpoch = MinibatchPlan.ForEpoch(new int[100], 10, seed: 7, epoch: 1).Order.ToArray();
        var otherSeed = MinibatchPlan.ForEpoch(new int[100], 10, seed: 8, epoch: 0).Order.ToArray();

        Assert.NotEqual(first, nextEpoch);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void Permuting_in_place_matches_Shuffle_Permutation()
    {
        var buffer = new int[257];

        Shuffle.PermuteInto(buffer, 11, 4);

        Assert.Equal(Shuffle.Permutation(257, 11, 4), buffer);
    }

    [Fact]
    public void Batches_are_consecutive_slices_of_the_order()
    {
        int[] order = [9, 8, 7, 6, 5, 4, 3];
        var plan = new MinibatchPlan(order, 3);

        Assert.Equal([9, 8, 7], plan.Batch(0).ToArray());
        Assert.Equal([6, 5, 4], plan.Batch(1).ToArray());
        Assert.Equal([3], plan.Batch(2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.Batch(3));
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(7, 7)]
    [InlineData(3, 5)]
    public void Shards_cover_the_order_once_and_differ_in_size_by_at_most_one(int samples, int shards)
    {
        var plan = MinibatchPlan.ForEpoch(new int[samples], 2, seed: 1, epoch: 0);

        var parts = Enumerable.Range(0, shards).Select(s => plan.Shard(s, shards)).ToArray();

        Assert.Equal(plan.Order.ToArray(), parts.SelectMany(p => p.Order.ToArray()));
        Assert.True(parts.Max(p => p.SampleCount) - parts.Min(p => p.SampleCount) <= 1);
        Assert.All(parts, p => Assert.Equal(2, p.BatchSize));
    }

    [Fact]
    public void Batch_size_below_one_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinibatchPlan(new int[4], 0));
    }

    [Fact]
    public void Filling_batches_from_a_plan_copies_the_planned_samples()
    {
        var dataset = new Dataset("d", [0f, 1f, 2f, 3f, 4f], [1], [0, 1, 0, 1, 0], 2);
        var plan = new MinibatchPlan(new[] { 4, 1, 3, 0, 2 }, 2);
        var inputs = new Tensor(2, 1);
        var targets = new Tensor(2, 2);

        dataset.FillBatch(plan.Batch(2), inputs, targets);

        Assert.Equal([2f], inputs.Span.ToArray());
        Assert.Equal([1f, 0f], targets.Span.ToArray());
    }
}
