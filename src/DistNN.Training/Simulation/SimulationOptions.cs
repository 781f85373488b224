using DistNN.Training.Plan;

namespace DistNN.Training.Simulation;

/// <summary>
/// One simulated run: the plan (its workers, servers, mode, compression and batch size are the run's), the time a
/// worker's batch takes, the network, stragglers and the servers' arithmetic cost.
/// </summary>
public sealed record SimulationOptions
{
    public required TrainingPlan Plan { get; init; }

    /// <summary>
    /// Forward + backward of one batch, in seconds (measured on this machine, or given): worker i takes entry i modulo
    /// the count, so one entry makes every worker alike and several model workers of different speeds.
    /// </summary>
    public required IReadOnlyList<double> ComputeSeconds { get; init; }

    /// <summary>The workers' mean compute time per batch (what linear scaling is measured against).</summary>
    public double MeanComputeSeconds(int workers) => Enumerable.Range(0, workers).Average(i => ComputeSeconds[i % ComputeSeconds.Count]);

    public required LinkSpec Link { get; init; }

    /// <summary>Batches (sync rounds) per worker.</summary>
    public int Steps { get; init; } = 10;

    /// <summary>The chance that a worker's batch is a straggler's (0: none), drawn per batch from the plan's seed.</summary>
    public double StragglerFraction { get; init; }

    /// <summary>How many times longer a straggler's batch takes.</summary>
    public double StragglerFactor { get; init; } = 1;

    /// <summary>Server seconds per gradient value received (decoding and adding it into the round's sum).</summary>
    public double ServerSecondsPerValue { get; init; }

    /// <summary>Server seconds per weight updated by the optimizer (once per apply).</summary>
    public double ServerSecondsPerUpdate { get; init; }

    /// <summary>
    /// A worker's CPU seconds per frame byte it sends or receives: writing a push (encoding, the socket's copy) and reading
    /// a reply (the socket, decoding, taking the values into its replica). 0: not charged.
    /// </summary>
    public double WorkerSecondsPerByte { get; init; }

    /// <summary>
    /// A server's CPU seconds per frame byte it receives or sends besides its arithmetic: reading a push off its socket and
    /// decoding it, writing a reply. 0: not charged.
    /// </summary>
    public double ServerSecondsPerByte { get; init; }

    /// <summary>A worker's CPU seconds per message it writes or reads, besides its bytes (frame, dispatch, hand-offs). 0: not charged.</summary>
    public double WorkerSecondsPerMessage { get; init; }

    /// <summary>A server's CPU seconds per message it reads or writes, besides its bytes. 0: not charged.</summary>
    public double ServerSecondsPerMessage { get; init; }

    /// <summary>
    /// A server's CPU seconds per apply of its chunks (a sync round; in async and ssp a push) beyond its messages' and
    /// arithmetic's costs: the rounds' bookkeeping, its parts' dispatch and leases (measured: `distnn bench --push-pull
    /// --clients K` less what the other inputs charge). Charged on the server with the optimizer's update, each chunk
    /// whose version moves taking an equal share. 0: not charged.
    /// </summary>
    public double ServerSecondsPerRound { get; init; }

    /// <summary>
    /// A worker's CPU seconds per batch beyond its compute and its messages' costs: its runtime's threads handling the
    /// parts and replies (measured: a client's CPU per round of `distnn bench --push-pull --clients K` less its messages'
    /// charge). Charged to the worker's receiving side as the batch starts, beside its compute. 0: not charged.
    /// </summary>
    public double WorkerSecondsPerRound { get; init; }

    /// <summary>
    /// For each of the model's layers (by index), the share of a batch's compute done when the backward pass has made
    /// that layer's gradients final (measured: <c>StepBenchmark.BackwardProfile</c>). With a plan that overlaps, a push's
    /// part for a layer leaves then; null: every part leaves at the batch's end.
    /// </summary>
    public IReadOnlyList<double>? BackwardProfile { get; init; }

    /// <summary>
    /// Cores every node shares (as the processes of a loopback cluster share one machine's): a node's work then goes at
    /// min(1, cores / nodes working) of full speed. 0: every node is a machine of its own.
    /// </summary>
    public int Cores { get; init; }

    /// <summary>
    /// The coordinator's CPU seconds per batch: taking in the worker's <c>BatchDone</c> over the control plane and its
    /// bookkeeping (progress, metrics), charged to the coordinator node as each batch starts. 0: not charged.
    /// </summary>
    public double ControlSecondsPerBatch { get; init; }

    /// <summary>
    /// With <see cref="Cores"/>: the cores a coordinator, a server and a worker node each use on their own all along (the
    /// runtime's timers, heartbeats, gossip, GC), taken from the shared cores. 0: not charged.
    /// </summary>
    public (double Coordinator, double Server, double Worker) BackgroundCores { get; init; }

    /// <summary>
    /// With <see cref="Cores"/>: the CPU seconds a worker's compute pays each time another thread preempts it on a shared
    /// core (its caches refilled: <see cref="SharedCores"/>); a wake-up of a non-compute thread while k workers compute
    /// on C cores costs the computing workers this × min(1, k / C) in all. 0: not charged.
    /// </summary>
    public double PreemptionSeconds { get; init; }

    /// <summary>The cores all the nodes' background takes: one coordinator, the plan's servers and workers.</summary>
    public double TotalBackgroundCores =>
        BackgroundCores.Coordinator + Plan.Servers * BackgroundCores.Server + Plan.Workers * BackgroundCores.Worker;

    /// <summary>Throws, naming the option, for numbers a run cannot use.</summary>
    public void Validate()
    {
        Plan.Validate();
        if (ComputeSeconds.Count == 0 || ComputeSeconds.Any(c => !(c > 0) || double.IsInfinity(c)))
        {
            throw new ArgumentException($"--compute-ms: every compute time per batch must be positive (got {string.Join(",", ComputeSeconds.Select(c => (c * 1e3).ToString("G4")))} ms)");
        }
        if (Steps <= 0)
        {
            throw new ArgumentException($"--steps: must be positive (got {Steps})");
        }
        if (!(StragglerFraction >= 0 && StragglerFraction <= 1) || !(StragglerFactor >= 1) || double.IsInfinity(StragglerFactor))
        {
            throw new ArgumentException($"--stragglers: the fraction must be in [0, 1] and the slowdown ≥ 1 (got {StragglerFraction:G4},{StragglerFactor:G4})");
        }
        if (!(WorkerSecondsPerMessage >= 0) || !(ServerSecondsPerMessage >= 0) || double.IsInfinity(WorkerSecondsPerMessage) || double.IsInfinity(ServerSecondsPerMessage))
        {
            throw new ArgumentException($"--message-us: a worker's and a server's costs per message must be finite and not negative (got {WorkerSecondsPerMessage * 1e6:G4},{ServerSecondsPerMessage * 1e6:G4})");
        }
        if (!(ServerSecondsPerRound >= 0) || double.IsInfinity(ServerSecondsPerRound))
        {
            throw new ArgumentException($"--server-round-us: a server's CPU per round must be finite and not negative (got {ServerSecondsPerRound * 1e6:G4})");
        }
        if (!(WorkerSecondsPerRound >= 0) || double.IsInfinity(WorkerSecondsPerRound))
        {
            throw new ArgumentException($"--worker-round-us: a worker's CPU per batch must be finite and not negative (got {WorkerSecondsPerRound * 1e6:G4})");
        }
        if (BackwardProfile is { } profile && (profile.Count != Nn.Models.ModelBuilder.Build(Plan.Model, Plan.Seed).Layers.Count
            || profile.Any(f => !(f >= 0 && f <= 1))))
        {
            throw new ArgumentException($"--backward-profile: one share in [0, 1] per layer of the model (got {string.Join(",", profile.Select(f => f.ToString("G4")))})");
        }
        if (Cores < 0)
        {
            throw new ArgumentException($"--cores: must be 0 (a machine per node) or more (got {Cores})");
        }
        if (!(ControlSecondsPerBatch >= 0) || double.IsInfinity(ControlSecondsPerBatch))
        {
            throw new ArgumentException($"--control-us: the coordinator's CPU per batch must be finite and not negative (got {ControlSecondsPerBatch * 1e6:G4})");
        }
        var (bc, bs, bw) = BackgroundCores;
        if (!(bc >= 0) || !(bs >= 0) || !(bw >= 0) || double.IsInfinity(bc) || double.IsInfinity(bs) || double.IsInfinity(bw))
        {
            throw new ArgumentException($"--background-cores: a coordinator's, a server's and a worker's cores must be finite and not negative (got {bc:G4},{bs:G4},{bw:G4})");
        }
        if (!(PreemptionSeconds >= 0) || double.IsInfinity(PreemptionSeconds))
        {
            throw new ArgumentException($"--preemption-us: the compute's CPU per preemption must be finite and not negative (got {PreemptionSeconds * 1e6:G4})");
        }
        if (PreemptionSeconds > 0 && Cores == 0)
        {
            throw new ArgumentException("--preemption-us: needs --cores (a machine per node has no other threads on its compute's cores)");
        }
        if (TotalBackgroundCores > 0 && Cores == 0)
        {
            throw new ArgumentException("--background-cores: needs --cores (the background is taken from the cores the nodes share)");
        }
        if (Cores > 0 && !(TotalBackgroundCores < Cores))
        {
            throw new ArgumentException($"--background-cores: the nodes' background ({TotalBackgroundCores:G4} cores for 1 coordinator, {Plan.Servers} servers "
                + $"and {Plan.Workers} workers) must leave some of the {Cores} shared cores");
        }
        if (!(ServerSecondsPerValue >= 0) || !(ServerSecondsPerUpdate >= 0))
        {
            throw new ArgumentException("--server-ns: the servers' costs must not be negative");
        }
        if (!(WorkerSecondsPerByte >= 0) || !(ServerSecondsPerByte >= 0) || double.IsInfinity(WorkerSecondsPerByte) || double.IsInfinity(ServerSecondsPerByte))
        {
            throw new ArgumentException($"--message-ns: a worker's and a server's costs per byte must be finite and not negative (got {WorkerSecondsPerByte * 1e9:G4},{ServerSecondsPerByte * 1e9:G4})");
        }
    }
}
