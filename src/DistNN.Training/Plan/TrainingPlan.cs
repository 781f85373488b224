using DistNN.Data.Augmentation;
using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Plan;

/// <summary>
/// Everything a run needs, built from the command line's options by the CLI (every name parsed there, once): the single
/// description that the coordinator hands out (as a <see cref="PlanMessage"/>, see <see cref="PlanWire"/>), so that
/// every node builds the same model, data order and optimizer.
/// </summary>
public sealed record TrainingPlan
{
    /// <summary>The preset name or spec file the model came from (reported in the summary).</summary>
    public string ModelName { get; init; } = "mlp";

    public required ModelSpec Model { get; init; }

    public OptimizerSettings Optimizer { get; init; } = new();

    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Clip gradients to this global L2 norm; 0 turns clipping off.</summary>
    public float ClipNorm { get; init; }

    public int Epochs { get; init; } = 5;

    public int BatchSize { get; init; } = 64;

    public int Seed { get; init; } = 1;

    /// <summary>Compute threads in total; 0 means all cores.</summary>
    public int Threads { get; init; }

    public string Dataset { get; init; } = "mnist";

    public string DataDir { get; init; } = Configuration.DistNNSettings.Reference.DataDir;

    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;

    /// <summary>Use only the first N training samples (0: all).</summary>
    public int TrainLimit { get; init; }

    public ConsistencyMode Mode { get; init; } = ConsistencyMode.Sync;

    public int Workers { get; init; } = 1;

    /// <summary>
    /// False: <see cref="Workers"/> is a limit, a worker registering beyond it is refused. True: more may join (at the
    /// next epoch). The coordinator's alone: it is not sent to the other nodes.
    /// </summary>
    public bool Elastic { get; init; }

    public int Servers { get; init; } = 1;

    public int Staleness { get; init; } = 2;

    /// <summary>How tensor messages reach a parameter server on another node (see <see cref="TensorCarrierKind"/>).</summary>
    public TensorCarrierKind Carrier { get; init; } = TensorCarrierKind.Dataplane;

    /// <summary>
    /// Largest piece of a tensor message over Akka.Remote with the <see cref="TensorCarrierKind.Remote"/> carrier:
    /// 64 KiB pieces fit Akka.Remote's default frame of 128,000 bytes.
    /// </summary>
    public int ChunkBytes { get; init; } = 64 * 1024;

    /// <summary>Gradient compression per push.</summary>
    public Compression Compression { get; init; } = Compression.None;

    /// <summary>
    /// The run fails as diverged when a batch's training loss exceeds this many times the run's first batch loss
    /// (a non-finite loss always fails it); 0 turns the bound off.
    /// </summary>
    public double DivergenceFactor { get; init; } = 100;

    /// <summary>
    /// Which servers a worker pushes each layer's gradients to as the backward pass finishes it (last layer first), to be
    /// applied chunk by chunk; with clipping by global norm every gradient is needed first, so the push goes whole.
    /// </summary>
    public OverlapMode Overlap { get; init; } = OverlapMode.Remote;

    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>
    /// Checks everything a node would trip over later: the model builds (shapes fit), the optimizer's numbers hold,
    /// the counts are in range. Throws with a message naming the option.
    /// </summary>
    public void Validate()
    {
        ModelBuilder.Build(Model, Seed);
        ModelBuilder.CreateLoss(Model.Loss);
        Optimizer.Create();
        if (Epochs <= 0 || BatchSize <= 0 || Workers <= 0 || Servers <= 0 || Staleness < 0)
        {
            throw new ArgumentException($"plan: epochs ({Epochs}), batch size ({BatchSize}), workers ({Workers}) and servers ({Servers}) must be positive, staleness ({Staleness}) not negative");
        }
        if (ChunkBytes < 1024)
        {
            throw new ArgumentException($"plan: the chunk size ({ChunkBytes} bytes) must be at least 1024 bytes");
        }
        if (!(Optimizer.LearningRate > 0) || !float.IsFinite(Optimizer.LearningRate))
        {
            throw new ArgumentException($"plan: the learning rate must be a positive number (got {Optimizer.LearningRate})");
        }
        if (!(DivergenceFactor >= 0) || double.IsPositiveInfinity(DivergenceFactor))
        {
            throw new ArgumentException($"plan: the divergence factor must be a finite number ≥ 0 (0: off; got {DivergenceFactor})");
        }
    }
}
