using DistNN.Data;
using DistNN.Training.Cluster;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

internal static class DataSets
{
    public static (Dataset Train, Dataset Test) Load(TrainingPlan plan)
    {
        CheckKnown(plan);
        return NodeDataSource.Load(plan.Dataset, plan.DataDir, plan.TrainLimit);
    }

    /// <summary>
    /// A coordinator node's data: the training set's count, shape and classes from the files' headers and labels (the
    /// workers read the samples), and the test set its evaluator scores, read now so that a bad file fails the start.
    /// </summary>
    public static NodeDataSource ForCoordinator(TrainingPlan plan)
    {
        CheckKnown(plan);
        var data = new NodeDataSource(plan.DataDir);
        data.Prepare(plan);
        _ = data.Test;
        return data;
    }

    private static void CheckKnown(TrainingPlan plan)
    {
        if (plan.Dataset is not ("mnist" or "idx"))
        {
            throw new OptionException($"--dataset: unknown data set '{plan.Dataset}' (known: mnist, idx, mackey-glass)");
        }
    }
}
