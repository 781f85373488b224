using DistNN.Cli.Dashboard;
using DistNN.Cli.Output;
using DistNN.Cli.Plotting;
using DistNN.Nn.Models;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

/// <summary>
/// What a training run shows and keeps, the same for `distnn train` and a coordinator node: the header and progress,
/// one metrics line per epoch, the live dashboard (`--dashboard`), then the summary, the saved weights (`--save`) and the
/// summary file (`--summary-json`).
/// </summary>
internal sealed class RunReport : IDisposable
{
    private readonly PlanSettings _settings;
    private readonly MetricsWriter? _metrics;
    private readonly ProgressRenderer _progress;
    private readonly System.Diagnostics.Stopwatch _wall = System.Diagnostics.Stopwatch.StartNew();
    private readonly List<EpochPoint> _epochs = [];
    private readonly DashboardServer? _dashboard;
    private EpochCompleted? _last;
    private volatile bool _stopped;

    /// <param name="engine">actors, local or cluster: what the dashboard names the run's engine.</param>
    /// <param name="self">This process's own line among the dashboard's members (a cluster's nodes report themselves).</param>
    public RunReport(PlanSettings settings, TrainingPlan plan, int trainCount, int testCount, string engine = "actors", MemberSeen? self = null)
    {
        _settings = settings;
        if (settings.Dashboard is int port)
        {
            var state = new DashboardState(new RunDescription(plan.ModelName, plan.Dataset, plan.Optimizer.Name, double.Parse(plan.Optimizer.LearningRate.ToString("R")), engine,
                plan.Mode.ToString().ToLowerInvariant(), plan.Workers, plan.Servers, plan.BatchSize, plan.Epochs, trainCount, testCount, DateTimeOffset.Now));
            if (self is not null)
            {
                state.Listen(self);
            }
            _dashboard = DashboardServer.StartAsync(state, port).GetAwaiter().GetResult();
            Console.WriteLine($"dashboard: {_dashboard.Address} (status {_dashboard.Address}api/status, metrics {_dashboard.Address}metrics)");
            Console.Out.Flush();
        }
        _metrics = settings.Metrics is null ? null : new MetricsWriter(settings.Metrics);
        _progress = ProgressRenderer.Create(settings.NoProgress);
        _progress.Header(plan, trainCount, testCount);
    }

    public void Listen(TrainingEvent e)
    {
        _dashboard?.State.Listen(e);
        if (_stopped)
        {
            return;
        }
        _progress.Report(e);
        if (e is EpochCompleted epoch)
        {
            _last = epoch;
            // An epoch trained again after a rollback was reported already (its line, metrics and plot point).
            if (!epoch.Replayed)
            {
                _metrics?.Write(epoch);
                _epochs.Add(new EpochPoint(epoch.Epoch, epoch.TrainLoss, epoch.TrainAccuracy, epoch.TestLoss, epoch.TestAccuracy));
            }
        }
    }

    /// <summary>Ends the progress display: nothing is drawn after a run has been stopped or has failed.</summary>
    public void Stop()
    {
        _stopped = true;
        _progress.Dispose();
    }

    /// <summary>
    /// The summary of a run that ended early (<paramref name="status"/> failed or interrupted): the figures of its last
    /// finished epoch, if any, and why it ended.
    /// </summary>
    public TrainingSummary Ended(TrainingPlan plan, int trainCount, string status, string reason)
    {
        _dashboard?.State.End(status, reason);
        return EndedSummary(plan, trainCount, status, reason);
    }

    private TrainingSummary EndedSummary(TrainingPlan plan, int trainCount, string status, string reason) => new()
    {
        Status = status,
        Reason = reason,
        Model = plan.ModelName,
        Optimizer = plan.Optimizer.Name,
        LearningRate = double.Parse(plan.Optimizer.LearningRate.ToString("R")),
        BatchSize = plan.BatchSize,
        Epochs = _last?.Epoch ?? 0,
        Seed = plan.Seed,
        Threads = plan.EffectiveThreads,
        TestAccuracy = _last?.TestAccuracy ?? 0,
        TestLoss = _last?.TestLoss ?? 0,
        TrainLoss = _last?.TrainLoss ?? 0,
        WallSeconds = _wall.Elapsed.TotalSeconds,
        Mode = plan.Mode.ToString().ToLowerInvariant(),
        Workers = plan.Workers,
        Servers = plan.Servers,
        SamplesProcessed = _last?.SamplesProcessed ?? 0,
        SamplesApplied = _last?.SamplesApplied ?? 0,
        SamplesExpected = (long)trainCount * plan.Epochs,
    };

    /// <summary>The final line of progress.</summary>
    public void Done(TrainingSummary summary)
    {
        _dashboard?.State.End(summary.Status, summary.Reason);
        _progress.Done(summary);
    }

    /// <summary>Writes the model (when asked and there is one), the summary file and the plot.</summary>
    public void Keep(TrainingPlan plan, TrainingSummary summary, Sequential? model)
    {
        if (_settings.Save is not null && model is not null)
        {
            ModelStore.Save(_settings.Save, plan, model);
            Console.WriteLine($"saved: weights {_settings.Save}, spec {Nn.Models.ModelFile.SpecPath(_settings.Save)}");
        }
        else if (_settings.Save is not null)
        {
            Console.Error.WriteLine($"distnn: --save: no weights to keep (the run {summary.Status}); {_settings.Save} not written");
        }
        if (_settings.SummaryJson is not null)
        {
            JsonFiles.WriteAtomically(_settings.SummaryJson, summary);
        }
        if (_settings.Plot is not null && _epochs.Count > 0)
        {
            TrainingPlot.Save(_settings.Plot, [new RunCurves(plan.ModelName, _epochs)]);
            Console.WriteLine($"plot: wrote {_settings.Plot}");
        }
    }

    public void Dispose()
    {
        _progress.Dispose();
        _metrics?.Dispose();
        _dashboard?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
