using DistNN.Data;
using DistNN.Training.Cluster;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

internal static class DataSets
{
    public static (Dataset Train, Dataset Test) Load(TrainingPlan plan)
    {
        if (plan.Dataset is not ("mnist" or "idx"))
        {
            throw new OptionException($"--dataset: unknown data set '{plan.Dataset}' (known: mnist, idx, mackey-glass)");
        }
        return NodeDataSource.Load(plan.Dataset, plan.DataDir, plan.TrainLimit);
    }
}
