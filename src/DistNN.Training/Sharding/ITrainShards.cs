using DistNN.Data;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;

namespace DistNN.Training.Sharding;

/// <summary>Where a worker gets the training samples of a shard: a node loads only the shards it is dealt.</summary>
public interface ITrainShards
{
    /// <summary>Training samples of the whole set (the plan's limit applied): the coordinator's batches are cut from these.</summary>
    int TrainCount { get; }

    /// <summary>The samples of <paramref name="range"/>.</summary>
    ShardSamples Load(ShardRange range);
}

/// <summary>A shard's samples: sample Start + i of the training set is sample First + … of <see cref="Data"/>, i.e. index Start + i − First.</summary>
public sealed record ShardSamples(Dataset Data, int First);

/// <summary>The shards of a data source: its own when it loads shards, else views of its whole training set (one process).</summary>
public static class TrainShards
{
    public static ITrainShards Of(IDataSource data) => data as ITrainShards ?? new Whole(data);

    /// <summary>A training set already in memory: every shard is a view of it, nothing is copied.</summary>
    private sealed class Whole(IDataSource data) : ITrainShards
    {
        public int TrainCount => data.Train.Count;

        public ShardSamples Load(ShardRange range) => new(data.Train, 0);
    }
}
