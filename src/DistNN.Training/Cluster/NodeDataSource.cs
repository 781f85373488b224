using DistNN.Data;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Cluster;

/// <summary>
/// A cluster node's data: the files are in this node's <paramref name="dataDir"/>, but which data set and how many
/// training samples come from the coordinator's plan, loaded when the plan arrives (<see cref="Prepare"/>).
/// </summary>
public sealed class NodeDataSource(string dataDir) : IPlanDataSource
{
    private (string Dataset, int Limit)? _loaded;
    private Dataset? _train;
    private Dataset? _test;

    public Dataset Train => _train ?? throw new InvalidOperationException("no training plan has arrived yet: the data set is not loaded");

    public Dataset Test => _test ?? throw new InvalidOperationException("no training plan has arrived yet: the data set is not loaded");

    public void Prepare(TrainingPlan plan)
    {
        if (_loaded == (plan.Dataset, plan.TrainLimit))
        {
            return;
        }
        (_train, _test) = Load(plan.Dataset, dataDir, plan.TrainLimit);
        _loaded = (plan.Dataset, plan.TrainLimit);
    }

    /// <summary>The plan's data set from <paramref name="dir"/>, its training part cut to the first <paramref name="trainLimit"/> samples (0: all).</summary>
    public static (Dataset Train, Dataset Test) Load(string dataset, string dir, int trainLimit)
    {
        var (train, test) = dataset switch
        {
            "mnist" => MnistLoader.Load(dir),
            "idx" => Data.Idx.IdxDataset.Load(dir),
            _ => throw new ArgumentException($"--dataset: unknown data set '{dataset}' (known: mnist, idx, mackey-glass)"),
        };
        return (trainLimit > 0 ? train.Take(trainLimit) : train, test);
    }
}
