using DistNN.Data;
using DistNN.Data.Idx;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Plan;
using DistNN.Training.Sharding;

namespace DistNN.Training.Cluster;

/// <summary>
/// A cluster node's data: the files are in this node's <paramref name="dataDir"/>, but which data set and how many
/// training samples come from the coordinator's plan (<see cref="Prepare"/> reads only the files' headers and labels). A
/// worker node reads only the shards it is dealt (<see cref="Load"/>: those samples' bytes, from their offset in the IDX
/// files); the coordinator node deals from <see cref="TrainCount"/> and evaluates on <see cref="Test"/>, read alone. Each
/// split is read only if something asks for it.
/// </summary>
public sealed class NodeDataSource(string dataDir) : IPlanDataSource, ITrainShards
{
    private (string Dataset, int Limit)? _prepared;
    private int _trainCount;
    private int[] _sampleShape = [];
    private int _classes;
    private Dataset? _train;
    private Dataset? _test;

    /// <summary>The plan's training samples (all of them, in memory).</summary>
    public Dataset Train => _train ??= IdxDataset.LoadTrainSlice(dataDir, 0, TrainCount, _classes, Prepared.Dataset);

    /// <summary>The test split alone.</summary>
    public Dataset Test => _test ??= IdxDataset.LoadTest(dataDir, _classes, Prepared.Dataset);

    public int TrainCount => _prepared is null ? throw NotPrepared() : _trainCount;

    /// <summary>The training set's count (the plan's limit applied), sample shape and classes, from the headers and labels.</summary>
    public DatasetShape TrainShape => new(TrainCount, _sampleShape, _classes);

    private (string Dataset, int Limit) Prepared => _prepared ?? throw NotPrepared();

    public void Prepare(TrainingPlan plan)
    {
        if (_prepared == (plan.Dataset, plan.TrainLimit))
        {
            return;
        }
        var (count, sampleShape, classes) = plan.Dataset switch
        {
            "mnist" => IdxDataset.DescribeTrain(dataDir, MnistLoader.Classes),
            "idx" => IdxDataset.DescribeTrain(dataDir),
            _ => throw UnknownDataset(plan.Dataset),
        };
        _trainCount = plan.TrainLimit > 0 ? Math.Min(plan.TrainLimit, count) : count;
        _sampleShape = sampleShape;
        _classes = classes;
        _train = null;
        _test = null;
        _prepared = (plan.Dataset, plan.TrainLimit);
    }

    /// <summary>The samples of <paramref name="range"/>, read alone from the training files.</summary>
    public ShardSamples Load(ShardRange range)
    {
        if (_prepared is not { } p)
        {
            throw NotPrepared();
        }
        return new ShardSamples(IdxDataset.LoadTrainSlice(dataDir, range.Start, range.Length, _classes, p.Dataset), range.Start);
    }

    /// <summary>The plan's data set from <paramref name="dir"/>, its training part cut to the first <paramref name="trainLimit"/> samples (0: all).</summary>
    public static (Dataset Train, Dataset Test) Load(string dataset, string dir, int trainLimit)
    {
        var (train, test) = dataset switch
        {
            "mnist" => MnistLoader.Load(dir),
            "idx" => IdxDataset.Load(dir),
            _ => throw UnknownDataset(dataset),
        };
        return (trainLimit > 0 ? train.Take(trainLimit) : train, test);
    }

    private static ArgumentException UnknownDataset(string dataset) =>
        new($"--dataset: unknown data set '{dataset}' (known: mnist, idx, mackey-glass)");

    private static InvalidOperationException NotPrepared() =>
        new("no training plan has arrived yet: the data set is not loaded");
}
