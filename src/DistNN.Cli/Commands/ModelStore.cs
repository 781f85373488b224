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
            ["optimizer"] = plan.Optimizer.Name,
            ["epochs"] = plan.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["seed"] = plan.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    /// <summary>The spec and model of <paramref name="path"/>; a tensor holding NaN or Inf is refused by name (a diverged run's weights).</summary>
    public static (ModelSpec Spec, Sequential Model) Load(string path)
    {
        var loaded = ModelFile.Load(path);
        foreach (var p in loaded.Model.Parameters.Concat(loaded.Model.State))
        {
            var values = p.Value.Span;
            for (int i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    throw new OptionException($"--model-file {path}: tensor '{p.Name}' holds {values[i]} at element {i}: "
                        + "these weights are unusable (the run that saved them diverged; train again with a lower --lr)");
                }
            }
        }
        return (loaded.Spec, loaded.Model);
    }
}
