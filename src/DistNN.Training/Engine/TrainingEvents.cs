namespace DistNN.Training.Engine;

/// <summary>What a run reports to whoever listens (progress bar, metrics file).</summary>
public abstract record TrainingEvent;

/// <summary>
/// One worker's throughput in the epoch so far, and where its time per batch went: computing (forward,
/// backward, clipping) and waiting for the servers' replies (push, update, reply, copying the weights in). Batches are
/// the epoch's so far; bytes are the worker's totals since it started (tensor bytes its carriers sent and received).
/// </summary>
public sealed record WorkerRate(string Worker, double SamplesPerSec, long Samples, double MsComputePerBatch = 0, double MsWaitPerBatch = 0,
    long Batches = 0, long BytesSent = 0, long BytesReceived = 0);

/// <summary>
/// Progress within an epoch; loss and accuracy are running means over the epoch so far. Batches done and per epoch
/// count steps (0 when the engine does not say).
/// </summary>
public sealed record StepProgress(
    int Epoch, int Epochs, long SamplesDone, long SamplesPerEpoch,
    double Loss, double Accuracy, double SamplesPerSec,
    IReadOnlyList<WorkerRate> Workers, int BatchesDone = 0, int BatchesPerEpoch = 0) : TrainingEvent;

/// <summary>
/// An epoch is over. SamplesProcessed and SamplesApplied count since the run started (see <see cref="TrainingSummary"/>).
/// Replayed: the run was rolled back (a lost server replaced) and this epoch had been reported already; its line is not printed again.
/// </summary>
public sealed record EpochCompleted(
    int Epoch, int Epochs, double TrainLoss, double TrainAccuracy,
    double TestLoss, double TestAccuracy, double SamplesPerSec,
    double WallSeconds, double LearningRate, long SamplesProcessed, IReadOnlyList<WorkerRate>? Workers = null,
    long SamplesApplied = 0, bool Replayed = false) : TrainingEvent;

/// <summary>The run was rolled back (a lost server replaced from a checkpoint or the plan's initial state): Note says to where, in one line.</summary>
public sealed record RolledBack(string Note) : TrainingEvent;

/// <summary>The end of a run: what the summary JSON is made of.</summary>
public sealed record TrainingSummary
{
    /// <summary>done, failed or interrupted (the exit code says the same: 0, 1, 130).</summary>
    public string Status { get; init; } = "done";

    /// <summary>Why a run failed or stopped early; null when it is done.</summary>
    public string? Reason { get; init; }

    public required string Model { get; init; }
    public required string Optimizer { get; init; }
    public double LearningRate { get; init; }
    public int BatchSize { get; init; }
    public int Epochs { get; init; }
    public int Seed { get; init; }
    public int Threads { get; init; }
    public double TestAccuracy { get; init; }
    public double TestLoss { get; init; }
    public double TrainLoss { get; init; }
    public double TrainSamplesPerSec { get; init; }
    public double WallSeconds { get; init; }
    public string Mode { get; init; } = "local";

    /// <summary>The workers that really trained: each had at least one batch counted.</summary>
    public int Workers { get; init; } = 1;
    public int Servers { get; init; }
    /// <summary>Samples of the batches workers finished (each batch counted once).</summary>
    public long SamplesProcessed { get; init; }

    /// <summary>Samples of the batches every server applied, as the servers counted them; a run is done only when it is SamplesExpected.</summary>
    public long SamplesApplied { get; init; }

    public long SamplesExpected { get; init; }

    /// <summary>Samples of batches some server applied more than once (its own count at the update, summed over servers); null: not counted (one loop).</summary>
    public long? SamplesDoubled { get; init; }

    /// <summary>Rollbacks of the servers (lost servers replaced) during the run; null: none.</summary>
    public int? Rollbacks { get; init; }

    /// <summary>Samples trained, then rolled back and trained again (not in SamplesProcessed twice); null: no rollback.</summary>
    public long? SamplesReplayed { get; init; }
    public long Parameters { get; init; }
    public string? Augment { get; init; }
    public string? Compression { get; init; }
    public long? BytesPushed { get; init; }
    public long? BytesPulled { get; init; }
}
