using DistNN.Nn.Models;

namespace DistNN.Training.Plan;

/// <summary>How workers and parameter servers agree on when a gradient is applied.</summary>
public enum ConsistencyMode
{
    /// <summary>Step t is applied once every live worker's gradient for t has arrived (averaged by sample count).</summary>
    Sync,

    /// <summary>Each gradient is applied on arrival.</summary>
    Async,

    /// <summary>Stale synchronous parallel: a worker may run at most <see cref="TrainingPlan.Staleness"/> steps ahead of the slowest.</summary>
    Ssp,
}

/// <summary>
/// Everything a run needs, made from the command-line options: the single description that the coordinator
/// hands out, so that every node builds the same model, data order and optimizer.
/// </summary>
public sealed record TrainingPlan
{
    /// <summary>The preset name or spec file the model came from (reported in the summary).</summary>
    public string ModelName { get; init; } = "mlp";

    public required ModelSpec Model { get; init; }

    public string Optimizer { get; init; } = "adam";

    public float LearningRate { get; init; } = 1e-3f;

    public float Momentum { get; init; }

    public float L1 { get; init; }

    public float L2 { get; init; }

    /// <summary>Learning-rate schedule: constant, cosine, step:factor@epochs.</summary>
    public string Schedule { get; init; } = "constant";

    /// <summary>Clip gradients to this global L2 norm; 0 turns clipping off.</summary>
    public float ClipNorm { get; init; }

    public int Epochs { get; init; } = 5;

    public int BatchSize { get; init; } = 64;

    public int Seed { get; init; } = 1;

    /// <summary>Compute threads in total; 0 means all cores.</summary>
    public int Threads { get; init; }

    public string Dataset { get; init; } = "mnist";

    public string DataDir { get; init; } = Configuration.DistNNSettings.Reference.DataDir;

    /// <summary>Data expansion, e.g. "noise=0.1,rotate=10,shift=2"; empty for none.</summary>
    public string Augment { get; init; } = "";

    /// <summary>Use only the first N training samples (0: all).</summary>
    public int TrainLimit { get; init; }

    public ConsistencyMode Mode { get; init; } = ConsistencyMode.Sync;

    public int Workers { get; init; } = 1;

    public int Servers { get; init; } = 1;

    public int Staleness { get; init; } = 2;

    /// <summary>How tensor messages reach a parameter server on another node (see <see cref="TensorCarrierKind"/>).</summary>
    public TensorCarrierKind Carrier { get; init; } = TensorCarrierKind.Dataplane;

    /// <summary>
    /// Largest piece of a tensor message over Akka.Remote with the <see cref="TensorCarrierKind.Remote"/> carrier:
    /// 64 KiB pieces fit Akka.Remote's default frame of 128,000 bytes.
    /// </summary>
    public int ChunkBytes { get; init; } = 64 * 1024;

    /// <summary>Gradient compression per push: none, fp16, int8, topk:fraction.</summary>
    public string Compression { get; init; } = "none";

    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>
    /// Checks everything a node would trip over later: the model builds (shapes fit), the optimizer, schedule,
    /// augmentation and compression names parse, the numbers are in range. Throws with a message naming the option.
    /// </summary>
    public void Validate()
    {
        Nn.Models.ModelBuilder.Build(Model, Seed);
        Nn.Models.ModelBuilder.CreateLoss(Model.Loss);
        Nn.Optimizers.OptimizerFactory.Create(Optimizer, LearningRate, OptimizerOptions());
        Nn.Optimizers.LearningRateSchedule.Create(Schedule);
        Data.Augmentation.AugmentationOptions.Parse(Augment);
        Protocol.Codecs.Compression.Parse(string.IsNullOrWhiteSpace(Compression) ? "none" : Compression);
        if (Epochs <= 0 || BatchSize <= 0 || Workers <= 0 || Servers <= 0 || Staleness < 0)
        {
            throw new ArgumentException($"plan: epochs ({Epochs}), batch size ({BatchSize}), workers ({Workers}) and servers ({Servers}) must be positive, staleness ({Staleness}) not negative");
        }
        if (ChunkBytes < 1024)
        {
            throw new ArgumentException($"plan: the chunk size ({ChunkBytes} bytes) must be at least 1024 bytes");
        }
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate))
        {
            throw new ArgumentException($"plan: the learning rate must be a positive number (got {LearningRate})");
        }
    }

    public Nn.Optimizers.OptimizerOptions OptimizerOptions() => new()
    {
        Momentum = Momentum > 0 ? Momentum : null,
        L1 = L1,
        L2 = L2,
    };
}

/// <summary>The plan as JSON: how it travels inside control messages and how HOCON-less tools can store it.</summary>
public static class TrainingPlanJson
{
    private static readonly System.Text.Json.JsonSerializerOptions s_options = new(ModelSpec.JsonOptions)
    {
        WriteIndented = false,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string ToJson(this TrainingPlan plan) => System.Text.Json.JsonSerializer.Serialize(plan, s_options);

    public static TrainingPlan Parse(string json)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<TrainingPlan>(json, s_options)
                ?? throw new FormatException("training plan: empty");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"training plan: not valid: {e.Message}", e);
        }
    }
}
