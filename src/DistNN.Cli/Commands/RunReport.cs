using DistNN.Cli.Output;
using DistNN.Nn.Models;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

/// <summary>
/// What a training run shows and keeps, the same for `distnn train` and a coordinator node: the header and progress,
/// one metrics line per epoch, then the summary, the saved weights (`--save`) and the summary file (`--summary-json`).
/// </summary>
internal sealed class RunReport : IDisposable
{
    private readonly PlanSettings _settings;
    private readonly MetricsWriter? _metrics;
    private readonly ProgressRenderer _progress;

    public RunReport(PlanSettings settings, TrainingPlan plan, int trainCount, int testCount)
    {
        _settings = settings;
        _metrics = settings.Metrics is null ? null : new MetricsWriter(settings.Metrics);
        _progress = ProgressRenderer.Create(settings.NoProgress);
        _progress.Header(plan, trainCount, testCount);
    }

    public void Listen(TrainingEvent e)
    {
        _progress.Report(e);
        if (e is EpochCompleted epoch)
        {
            _metrics?.Write(epoch);
        }
    }

    /// <summary>The final line of progress.</summary>
    public void Done(TrainingSummary summary) => _progress.Done(summary);

    /// <summary>Writes the model (when asked and there is one) and the summary file.</summary>
    public void Keep(TrainingPlan plan, TrainingSummary summary, Sequential? model)
    {
        if (_settings.Save is not null && model is not null)
        {
            ModelStore.Save(_settings.Save, plan, model);
        }
        if (_settings.SummaryJson is not null)
        {
            JsonFiles.WriteAtomically(_settings.SummaryJson, summary);
        }
    }

    public void Dispose()
    {
        _progress.Dispose();
        _metrics?.Dispose();
    }
}
