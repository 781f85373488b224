using DistNN.Data;
using DistNN.Protocol.Messages;
using DistNN.Training.Sharding;

namespace DistNN.Training.Tests;

public class WorkerShardsSpec
{
    /// <summary>A node's files as a worker sees them: each shard loaded on its own, every load counted.</summary>
    private sealed class CountingShards(Dataset train) : ITrainShards
    {
        public List<int> Loaded { get; } = [];

        public int TrainCount => train.Count;

        public ShardSamples Load(ShardRange range)
        {
            Loaded.Add(range.Id);
            var features = train.Features.AsSpan(range.Start * train.SampleLength, range.Length * train.SampleLength).ToArray();
            return new ShardSamples(new Dataset("shard", features, train.SampleShape, train.Labels[range.Start..(range.Start + range.Length)], train.Classes), range.Start);
        }
    }

    private static readonly ShardRange[] s_shards = [new(0, 0, 64), new(1, 64, 64), new(2, 128, 64)];

    [Fact]
    public void A_worker_loads_a_shard_once_keeps_it_while_it_is_dealt_and_drops_it_when_an_epoch_no_longer_deals_it()
    {
        var source = new CountingShards(TestData.Bars(192, 1));
        var shards = new WorkerShards(source);

        shards.Assign(epoch: 1, seed: 3, batchSize: 32, [s_shards[0], s_shards[1]]);
        shards.Assign(epoch: 2, seed: 3, batchSize: 32, [s_shards[1], s_shards[2]]);
        shards.Assign(epoch: 3, seed: 3, batchSize: 32, [s_shards[0]]);

        Assert.Equal([0, 1, 2, 0], source.Loaded);
        Assert.Throws<ArgumentException>(() => shards.Batch(2, 32));
    }

    [Fact]
    public void A_batch_is_its_shards_samples_in_the_epochs_order_of_that_shard()
    {
        var train = TestData.Bars(192, 1);
        var shards = new WorkerShards(new CountingShards(train));
        shards.Assign(epoch: 2, seed: 3, batchSize: 32, [s_shards[1]]);

        var (data, indices) = shards.Batch(3, 32);

        var expected = new Data.Batching.ShardLayout(192, 32, workers: 3, shardsPerWorker: 1).BatchSamples(3, seed: 3, epoch: 2);
        Assert.Equal(expected.Select(i => train.Labels[i]), indices.ToArray().Select(i => data.Labels[i]));
        Assert.Equal(expected.Select(i => train.Sample(i).ToArray()), indices.ToArray().Select(i => data.Sample(i).ToArray()));
    }

    [Fact]
    public void A_shard_that_does_not_fit_the_workers_samples_is_refused_naming_it()
    {
        var shards = new WorkerShards(new CountingShards(TestData.Bars(192, 1)));

        var e = Assert.Throws<ArgumentException>(() => shards.Assign(1, 3, 32, [new ShardRange(4, 160, 64)]));

        Assert.Contains("shard 4 (samples 160 to 223) does not fit this worker's 192 training samples", e.Message);
    }
}
