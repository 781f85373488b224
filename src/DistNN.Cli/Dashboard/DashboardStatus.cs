namespace DistNN.Cli.Dashboard;

/// <summary>
/// What `/api/status` answers (snake_case JSON; schema in docs/dashboard-status.schema.json, described in docs/dashboard.md).
/// The server-sent events carry the same object, their curves holding only the points that are new to the client.
/// </summary>
public sealed record DashboardStatus(
    string Schema,
    RunDescription Run,
    string State,
    string? Reason,
    double ElapsedSeconds,
    ProgressStatus Progress,
    IReadOnlyList<MemberStatus> Members,
    IReadOnlyList<WorkerStatus> Workers,
    WireStatus Wire,
    long FailuresTotal,
    IReadOnlyList<FailureStatus> Failures,
    CurveStatus Curves)
{
    public const string SchemaName = "distnn.dashboard.status/1";
}

/// <summary>The plan of the run: what trains, on what, how.</summary>
public sealed record RunDescription(
    string Model, string Dataset, string Optimizer, double LearningRate, string Engine, string Mode,
    int Workers, int Servers, int BatchSize, int Epochs, int TrainSamples, int TestSamples, DateTimeOffset StartedAt);

/// <summary>Where the run is: epoch and step, running loss and accuracy of the epoch so far, throughput.</summary>
public sealed record ProgressStatus(
    int Epoch, int Epochs, long SamplesDone, long SamplesPerEpoch, long StepsDone, int StepsPerEpoch, long StepsTotal,
    double Fraction, double Loss, double Accuracy, double SamplesPerSec);

/// <summary>A member of the run: a node or an actor on one, with its health (up, joining, leaving, exiting, removed, unreachable, stopped).</summary>
public sealed record MemberStatus(string Role, string? Name, string Address, string Health);

/// <summary>One worker: its rate and time per batch in the current epoch, and its totals over the run (pushes a server refused).</summary>
public sealed record WorkerStatus(
    string Name, double SamplesPerSec, double MsComputePerBatch, double MsWaitPerBatch, long Samples, long Steps, long BytesPushed, long BytesPulled,
    long PushesRefused);

/// <summary>Tensor bytes the workers' carriers sent (pushed) and received (pulled); 0 in one process.</summary>
public sealed record WireStatus(long BytesPushed, long BytesPulled);

/// <summary>A failure seen, seconds after the start.</summary>
public sealed record FailureStatus(double AtSeconds, string What);

/// <summary>The curves: running loss and accuracy at each progress report (x in epochs), and each finished epoch's figures.</summary>
public sealed record CurveStatus(IReadOnlyList<StepPoint> Steps, IReadOnlyList<EpochFigures> Epochs);

public sealed record StepPoint(double X, double Loss, double Accuracy);

public sealed record EpochFigures(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double SamplesPerSec);
