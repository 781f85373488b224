using System.Diagnostics.Metrics;

namespace DistNN.Cli.Dashboard;

/// <summary>
/// The run's figures as System.Diagnostics.Metrics instruments (meter "DistNN"), read from the dashboard's state when
/// scraped; OpenTelemetry's Prometheus exporter turns them into `/metrics` (names in docs/dashboard.md). Per-worker
/// series carry the label node.
/// </summary>
public sealed class DashboardMetrics : IDisposable
{
    public const string MeterName = "DistNN";

    private readonly Meter _meter = new(MeterName);

    public DashboardMetrics(DashboardState state)
    {
        IEnumerable<Measurement<long>> PerWorker(Func<WorkerStatus, long> pick) =>
            state.Snapshot(int.MaxValue, int.MaxValue).Workers.Select(w => new Measurement<long>(pick(w), new KeyValuePair<string, object?>("node", w.Name)));
        IEnumerable<Measurement<double>> PerWorkerD(Func<WorkerStatus, double> pick) =>
            state.Snapshot(int.MaxValue, int.MaxValue).Workers.Select(w => new Measurement<double>(pick(w), new KeyValuePair<string, object?>("node", w.Name)));
        ProgressStatus Progress() => state.Snapshot(int.MaxValue, int.MaxValue).Progress;

        _meter.CreateObservableCounter("distnn.steps", () => PerWorker(w => w.Steps), description: "Training steps (batches) each worker has done in the run.");
        _meter.CreateObservableCounter("distnn.samples", () => PerWorker(w => w.Samples), description: "Training samples each worker has processed in the run.");
        _meter.CreateObservableGauge("distnn.samples_per_second", () => PerWorkerD(w => w.SamplesPerSec),
            description: "Each worker's samples per second of computing and waiting in the current epoch.");
        _meter.CreateObservableGauge("distnn.batch.compute_ms", () => PerWorkerD(w => w.MsComputePerBatch),
            description: "Each worker's mean milliseconds per batch computing (forward, backward) in the current epoch.");
        _meter.CreateObservableGauge("distnn.batch.wait_ms", () => PerWorkerD(w => w.MsWaitPerBatch),
            description: "Each worker's mean milliseconds per batch waiting for the parameter servers in the current epoch.");
        _meter.CreateObservableCounter("distnn.pushed.bytes", () => PerWorker(w => w.BytesPushed),
            description: "Tensor bytes each worker's carriers sent to parameter servers on another node.");
        _meter.CreateObservableCounter("distnn.pulled.bytes", () => PerWorker(w => w.BytesPulled),
            description: "Tensor bytes each worker's carriers received from parameter servers on another node.");
        _meter.CreateObservableCounter("distnn.pushes.refused", () => PerWorker(w => w.PushesRefused),
            description: "Each worker's pushes a parameter server refused (not applied; the batch is dealt again).");
        _meter.CreateObservableGauge("distnn.train.loss", () => Progress().Loss, description: "Running mean training loss of the current epoch.");
        _meter.CreateObservableGauge("distnn.train.accuracy", () => Progress().Accuracy, description: "Running training accuracy of the current epoch.");
        _meter.CreateObservableGauge("distnn.run.samples_per_second", () => Progress().SamplesPerSec, description: "The run's training samples per second in the current epoch.");
        _meter.CreateObservableGauge("distnn.epoch", () => Progress().Epoch, description: "The current (or last finished) epoch.");
        _meter.CreateObservableCounter("distnn.run.steps", () => Progress().StepsDone, description: "Training steps (batches) done in the run.");
        // Nothing until an epoch has been evaluated.
        IEnumerable<Measurement<double>> Tested(Func<EpochFigures, double> pick) =>
            state.LastEpoch() is { } last ? [new Measurement<double>(pick(last))] : [];
        _meter.CreateObservableGauge("distnn.test.loss", () => Tested(e => e.TestLoss), description: "Test loss after the last finished epoch.");
        _meter.CreateObservableGauge("distnn.test.accuracy", () => Tested(e => e.TestAccuracy), description: "Test accuracy after the last finished epoch.");
        _meter.CreateObservableCounter("distnn.failures", () => state.Snapshot(int.MaxValue, int.MaxValue).FailuresTotal,
            description: "Failures the run has seen: workers stopped, nodes unreachable, the failure that ended it.");
        _meter.CreateObservableGauge("distnn.members", () => state.Snapshot(int.MaxValue, int.MaxValue).Members
            .GroupBy(m => (m.Role, m.Health))
            .Select(g => new Measurement<int>(g.Count(), new("role", g.Key.Role), new("health", g.Key.Health))),
            description: "Members of the run by role and health.");
    }

    public void Dispose() => _meter.Dispose();
}
