using DistNN.Nn.Models;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

/// <summary>Saving and loading trained weights with their spec.</summary>
internal static class ModelStore
{
    public static void Save(string path, TrainingPlan plan, Sequential model) =>
        throw new NotImplementedException("saving arrives with the nn branch");

    public static (ModelSpec Spec, Sequential Model) Load(string path) =>
        throw new NotImplementedException("loading arrives with the nn branch");
}
