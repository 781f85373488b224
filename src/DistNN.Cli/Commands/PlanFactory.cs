using DistNN.Protocol.Messages;
using DistNN.Data.Augmentation;
using DistNN.Nn.Models;
using DistNN.Training.Configuration;
using DistNN.Nn.Optimizers;
using DistNN.Protocol.Codecs;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

/// <summary>
/// Turns command-line settings into the one <see cref="TrainingPlan"/> every part of a run reads: the one place where
/// the optimizer, schedule, augmentation, compression and mode texts are parsed.
/// </summary>
internal static class PlanFactory
{
    private static readonly string[] s_recurrent = ["rnn", "lstm", "gru"];

    public static TrainingPlan FromSettings(PlanSettings s)
    {
        var (name, spec) = ResolveModel(s.Model);
        if (s.Dropout > 0)
        {
            spec = WithDropout(spec, s.Dropout);
        }
        bool recurrent = spec.Layers.Any(l => s_recurrent.Contains(l.Type.ToLowerInvariant()));
        return new TrainingPlan
        {
            ModelName = name,
            Model = spec,
            Optimizer = OptimizerSettings.Parse(s.Optimizer, s.LearningRate, s.Momentum, s.L1, s.L2),
            Schedule = LearningRateSchedule.Create(s.Schedule),
            ClipNorm = s.ClipNorm ?? (recurrent ? 1.0f : 0f),
            Epochs = s.Epochs,
            DivergenceFactor = s.DivergenceFactor,
            Overlap = s.Overlap switch { "off" => OverlapMode.Off, "all" => OverlapMode.All, _ => OverlapMode.Remote },
            BatchSize = s.BatchSize,
            Seed = s.RandomSeed,
            Threads = s.Threads ?? 0,
            Dataset = s.Dataset.ToLowerInvariant(),
            DataDir = s.DataDir ?? DistNNSettings.Reference.DataDir,
            Augmentation = AugmentationOptions.Parse(s.Augment),
            TrainLimit = s.TrainLimit,
            Workers = s.Workers,
            Servers = s.Servers,
            Mode = Enum.Parse<ConsistencyMode>(s.Mode, ignoreCase: true),
            Staleness = s.Staleness,
            Compression = Compression.Parse(string.IsNullOrWhiteSpace(s.Compression) ? "none" : s.Compression),
        };
    }

    /// <summary>A preset name, or a path to a spec JSON file.</summary>
    public static (string Name, ModelSpec Spec) ResolveModel(string model)
    {
        if (model.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(model))
        {
            return (Path.GetFileNameWithoutExtension(model), ModelSpec.Load(model));
        }
        return (model.ToLowerInvariant(), ModelPresets.Get(model));
    }

    /// <summary>Inserts dropout after every hidden dense layer (not after the output layer).</summary>
    public static ModelSpec WithDropout(ModelSpec spec, double rate)
    {
        var layers = new List<LayerSpec>();
        int lastDense = spec.Layers.FindLastIndex(l => l.Type.Equals("dense", StringComparison.OrdinalIgnoreCase));
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            layers.Add(spec.Layers[i]);
            if (i != lastDense && spec.Layers[i].Type.Equals("dense", StringComparison.OrdinalIgnoreCase))
            {
                layers.Add(new LayerSpec { Type = "dropout", Rate = rate });
            }
        }
        return spec with { Layers = layers };
    }
}
