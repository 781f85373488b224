using DistNN.Nn.Models;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

/// <summary>Saving and loading trained weights with their spec.</summary>
internal static class ModelStore
{
    public static void Save(string path, TrainingPlan plan, Sequential model) =>
        ModelFile.Save(path, plan.Model, model, new Dictionary<string, string>
        {
            ["model"] = plan.ModelName,
            ["optimizer"] = plan.Optimizer,
            ["epochs"] = plan.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["seed"] = plan.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public static (ModelSpec Spec, Sequential Model) Load(string path)
    {
        var loaded = ModelFile.Load(path);
        return (loaded.Spec, loaded.Model);
    }
}
