using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Training.Parameters;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

/// <summary>
/// What the plan can only be checked against once the data set is loaded, before any actor starts: the model's input
/// and output against the samples and classes, and the options bounded by the data and the model's size.
/// </summary>
internal static class RunChecks
{
    public static void AgainstData(TrainingPlan plan, DatasetShape train)
    {
        var model = ModelBuilder.Build(plan.Model, plan.Seed);
        int inputValues = model.InputShape.Aggregate(1, (a, b) => a * b);
        if (inputValues != train.SampleLength)
        {
            throw new OptionException($"--model: the model's input [{string.Join(",", model.InputShape)}] ({inputValues} values) does not fit "
                + $"the data set's samples [{string.Join(",", train.SampleShape)}] ({train.SampleLength} values): set \"input\" to [{string.Join(",", train.SampleShape)}]");
        }
        int outputs = model.OutputShape.Aggregate(1, (a, b) => a * b);
        if (outputs != train.Classes)
        {
            int last = plan.Model.Layers.Count - 1;
            string layer = plan.Model.Layers[last].Name ?? $"{plan.Model.Layers[last].Type} (layer {last})";
            throw new OptionException($"--model: the last layer {layer} gives {outputs} outputs per sample, but the data set has {train.Classes} classes");
        }
        if (plan.BatchSize > train.Count)
        {
            throw new OptionException($"--batch-size {plan.BatchSize} is more than the training set's {train.Count} samples (a batch cannot hold more)");
        }
        int batches = (train.Count + plan.BatchSize - 1) / plan.BatchSize;
        if (plan.Workers > batches)
        {
            throw new OptionException($"--workers {plan.Workers} is more than the {batches} batches of an epoch (a worker without a batch would only wait)");
        }
        if (plan.Servers > 1)
        {
            int chunks = ParameterLayout.For(model, 2).Chunks.Count;
            if (plan.Servers > chunks)
            {
                throw new OptionException($"--servers {plan.Servers} is more than the model's {chunks} tensor chunks (a server without a chunk would hold nothing)");
            }
        }
    }
}
