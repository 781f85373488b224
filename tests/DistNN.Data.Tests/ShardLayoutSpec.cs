using DistNN.Data.Batching;

namespace DistNN.Data.Tests;

public class ShardLayoutSpec
{
    [Theory]
    [InlineData(640, 16, 2)]
    [InlineData(6000, 32, 4)]
    [InlineData(1000, 32, 3)]
    [InlineData(100, 32, 4)]
    public void Shards_start_on_batch_boundaries_and_cover_every_batch_once(int samples, int batchSize, int workers)
    {
        var layout = new ShardLayout(samples, batchSize, workers);

        Assert.Equal(0, layout.Shards[0].Start);
        Assert.Equal(samples, layout.Shards[^1].End);
        Assert.All(layout.Shards.Zip(layout.Shards.Skip(1)), p => Assert.Equal(p.First.End, p.Second.Start));
        Assert.All(layout.Shards, s => Assert.Equal(0, s.Start % batchSize));
        Assert.Equal(Enumerable.Range(0, layout.Batches),
            layout.Shards.SelectMany(s => Enumerable.Range(ShardLayout.BatchesOf(s, batchSize).First, ShardLayout.BatchesOf(s, batchSize).Count)));
        Assert.All(Enumerable.Range(0, layout.Batches), b => Assert.InRange(b * batchSize, layout.ShardOf(b).Start, layout.ShardOf(b).End - 1));
    }

    [Theory]
    [InlineData(6000, 32, 4)]
    [InlineData(1000, 32, 3)]
    public void The_layouts_workers_get_blocks_of_shards_whose_batches_differ_by_at_most_one(int samples, int batchSize, int workers)
    {
        var layout = new ShardLayout(samples, batchSize, workers);

        var batches = Enumerable.Range(0, workers).Select(w => layout.ShardsOf(w, workers).Sum(s => ShardLayout.BatchesOf(s, batchSize).Count)).ToList();

        Assert.Equal(layout.Batches, batches.Sum());
        Assert.True(batches.Max() - batches.Min() <= 1, string.Join(",", batches));
        Assert.All(Enumerable.Range(0, workers), w => Assert.InRange(layout.ShardsOf(w, workers).Count(), 1, ShardLayout.ShardsPerWorker));
    }

    [Fact]
    public void An_epoch_visits_every_sample_once_each_batch_within_its_own_shard_and_the_next_epoch_in_another_order()
    {
        var layout = new ShardLayout(1000, 32, 3);

        var batches = Enumerable.Range(0, layout.Batches).Select(b => layout.BatchSamples(b, seed: 5, epoch: 1)).ToList();

        Assert.Equal(Enumerable.Range(0, 1000), batches.SelectMany(b => b).Order());
        Assert.All(Enumerable.Range(0, layout.Batches), b => Assert.All(batches[b], i => Assert.InRange(i, layout.ShardOf(b).Start, layout.ShardOf(b).End - 1)));
        Assert.Equal(batches.SelectMany(b => b), layout.EpochOrder(seed: 5, epoch: 1));
        Assert.NotEqual(layout.EpochOrder(seed: 5, epoch: 1), layout.EpochOrder(seed: 5, epoch: 2));
    }

    [Fact]
    public void A_layout_of_one_shard_visits_the_samples_in_the_plain_permutation()
    {
        var layout = new ShardLayout(500, 32, workers: 1, shardsPerWorker: 1);

        Assert.Equal(Shuffle.Permutation(500, 7, 3), layout.EpochOrder(seed: 7, epoch: 3));
    }

    [Fact]
    public void Sync_rounds_put_each_workers_rth_batch_side_by_side()
    {
        var layout = new ShardLayout(640, 16, 2);

        var rounds = layout.SyncRoundOrder(seed: 1, epoch: 1);

        Assert.Equal(Enumerable.Range(0, 640), rounds.Order());
        // Round 0: worker 0's first batch (shard 0, batch 0), then worker 1's (its first shard starts at sample 320).
        Assert.Equal(layout.BatchSamples(0, 1, 1), rounds[..16]);
        Assert.Equal(layout.BatchSamples(20, 1, 1), rounds[16..32]);
        Assert.All(rounds[16..32], i => Assert.InRange(i, 320, 639));
    }
}
