namespace DistNN.Training.Simulation;

/// <summary>
/// What a simulated run measured on its virtual clock: from the first batch's start to the last push's reply.
/// <see cref="Messages"/>: frames and their bytes per message type; <see cref="ServerApplies"/>: the optimizer steps
/// each real server took (its weights' version).
/// </summary>
public sealed record SimulationResult(
    int Workers,
    int Servers,
    int Steps,
    long Samples,
    double VirtualSeconds,
    double ComputeSeconds,
    int BatchSize,
    long WireBytes,
    IReadOnlyDictionary<string, (long Count, long Bytes)> Messages,
    IReadOnlyList<long> ServerApplies,
    double WallSeconds)
{
    /// <summary>The CPU charged to each node over the run (its compute, messages, control and server work), in seconds.</summary>
    public IReadOnlyDictionary<string, double> NodeCpuSeconds { get; init; } = new Dictionary<string, double>();

    /// <summary>Each worker's batches on the virtual clock: computing (its batch's work done) and waiting until the next one.</summary>
    public IReadOnlyDictionary<string, BatchTimeline> WorkerTimelines { get; init; } = new Dictionary<string, BatchTimeline>();

    /// <summary>
    /// With shared cores: each worker's expected preemptions of its compute over the run by the other threads' wake-ups
    /// (counted whether or not a cost per preemption is charged).
    /// </summary>
    public IReadOnlyDictionary<string, double> Preemptions { get; init; } = new Dictionary<string, double>();

    public double SamplesPerSecond => Samples / VirtualSeconds;

    /// <summary>Mean time of one batch on a worker: computing and waiting.</summary>
    public double StepSeconds => VirtualSeconds / Steps;

    /// <summary>Samples/s against every worker computing without pause (N × batch / compute time).</summary>
    public double ScalingEfficiency => SamplesPerSecond / (Workers * BatchSize / ComputeSeconds);
}
