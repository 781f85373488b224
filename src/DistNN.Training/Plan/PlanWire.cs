using DistNN.Data.Augmentation;
using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Plan;

/// <summary>
/// The one mapping between a <see cref="TrainingPlan"/> and its wire form, <see cref="PlanMessage"/>. Reading checks
/// what the wire cannot (enum values, the schedule's and compression's numbers) and says which field was wrong.
/// </summary>
public static class PlanWire
{
    public static PlanMessage ToMessage(this TrainingPlan plan) => new(
        plan.ModelName,
        ToMessage(plan.Model),
        new OptimizerMessage(plan.Optimizer.Kind, plan.Optimizer.LearningRate, plan.Optimizer.Momentum, plan.Optimizer.L1, plan.Optimizer.L2),
        ToMessage(plan.Schedule),
        plan.ClipNorm,
        plan.Epochs,
        plan.BatchSize,
        plan.Seed,
        plan.Threads,
        plan.Dataset,
        plan.DataDir,
        new AugmentationMessage(plan.Augmentation.NoiseStd, plan.Augmentation.RotateDegrees, plan.Augmentation.ShiftPixels),
        plan.TrainLimit,
        plan.Mode,
        plan.Workers,
        plan.Servers,
        plan.Staleness,
        plan.Carrier,
        plan.ChunkBytes,
        new CompressionMessage(plan.Compression.Encoding, plan.Compression.TopKFraction),
        plan.DivergenceFactor,
        plan.Overlap);

    /// <summary>The plan a message describes; throws <see cref="FormatException"/> naming the field it cannot accept.</summary>
    public static TrainingPlan ToPlan(this PlanMessage m)
    {
        try
        {
            return new TrainingPlan
            {
                ModelName = m.ModelName,
                Model = ToSpec(m.Model),
                Optimizer = new OptimizerSettings(Defined(m.Optimizer.Kind, "optimizer"), m.Optimizer.LearningRate, m.Optimizer.Momentum,
                    m.Optimizer.L1, m.Optimizer.L2),
                Schedule = ToSchedule(m.Schedule),
                ClipNorm = m.ClipNorm,
                Epochs = m.Epochs,
                BatchSize = m.BatchSize,
                Seed = m.Seed,
                Threads = m.Threads,
                Dataset = m.Dataset,
                DataDir = m.DataDir,
                Augmentation = new AugmentationOptions(m.Augmentation.NoiseStd, m.Augmentation.RotateDegrees, m.Augmentation.ShiftPixels),
                TrainLimit = m.TrainLimit,
                Mode = Defined(m.Mode, "mode"),
                Workers = m.Workers,
                Servers = m.Servers,
                Staleness = m.Staleness,
                Carrier = Defined(m.Carrier, "carrier"),
                ChunkBytes = m.ChunkBytes,
                Compression = ToCompression(m.Compression),
                DivergenceFactor = m.DivergenceFactor,
                Overlap = Defined(m.Overlap, "overlap"),
            };
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"training plan: {e.Message}", e);
        }
    }

    private static ModelMessage ToMessage(ModelSpec spec) => new(spec.Name, spec.Input, spec.Loss,
        spec.Layers.Select(l => new LayerMessage(l.Type, l.Name, l.Units, l.Activation, l.Init, l.Rate, l.Filters, l.Kernel, l.Stride,
            l.Padding, l.ReturnSequences, l.Bptt, l.Momentum, l.Epsilon)).ToList());

    private static ModelSpec ToSpec(ModelMessage m) => new()
    {
        Name = m.Name,
        Input = [.. m.Input],
        Loss = m.Loss,
        Layers = m.Layers.Select(l => new LayerSpec
        {
            Type = l.Type,
            Name = l.Name,
            Units = l.Units,
            Activation = l.Activation,
            Init = l.Init,
            Rate = l.Rate,
            Filters = l.Filters,
            Kernel = l.Kernel?.ToArray(),
            Stride = l.Stride?.ToArray(),
            Padding = l.Padding,
            ReturnSequences = l.ReturnSequences,
            Bptt = l.Bptt,
            Momentum = l.Momentum,
            Epsilon = l.Epsilon,
        }).ToList(),
    };

    private static ScheduleMessage ToMessage(LearningRateSchedule schedule) => schedule switch
    {
        LearningRateSchedule.StepSchedule step => new ScheduleMessage(ScheduleKind.Step, step.Gamma, step.Every),
        LearningRateSchedule.CosineSchedule cosine => new ScheduleMessage(ScheduleKind.Cosine, FinalFactor: cosine.Floor),
        _ => new ScheduleMessage(ScheduleKind.Constant),
    };

    private static LearningRateSchedule ToSchedule(ScheduleMessage m) => Defined(m.Kind, "schedule") switch
    {
        ScheduleKind.Step => LearningRateSchedule.Step(m.Gamma, m.EveryEpochs),
        ScheduleKind.Cosine => LearningRateSchedule.Cosine(m.FinalFactor),
        _ => LearningRateSchedule.Constant,
    };

    private static Compression ToCompression(CompressionMessage m) => Defined(m.Encoding, "compression") switch
    {
        TensorEncoding.Fp16 => Compression.Fp16,
        TensorEncoding.Int8 => Compression.Int8,
        TensorEncoding.TopK => Compression.TopK(m.TopKFraction),
        _ => Compression.None,
    };

    private static T Defined<T>(T value, string field) where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new ArgumentException($"unknown {field} value {Convert.ToInt64(value)}");
}
