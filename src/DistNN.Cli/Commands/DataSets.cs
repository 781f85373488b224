using DistNN.Data;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

internal static class DataSets
{
    public static (Dataset Train, Dataset Test) Load(TrainingPlan plan)
    {
        var (train, test) = plan.Dataset switch
        {
            "mnist" => MnistLoader.Load(plan.DataDir),
            "idx" => DistNN.Data.Idx.IdxDataset.Load(plan.DataDir),
            _ => throw new OptionException($"--dataset: unknown data set '{plan.Dataset}' (known: mnist, idx, mackey-glass)"),
        };
        if (plan.TrainLimit > 0)
        {
            train = train.Take(plan.TrainLimit);
        }
        return (train, test);
    }
}
