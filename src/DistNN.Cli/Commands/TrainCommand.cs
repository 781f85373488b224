using DistNN.Cli.Output;
using DistNN.Nn.Models;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>`distnn train`: options → TrainingPlan → run → summary, metrics and saved weights.</summary>
public sealed class TrainCommand : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Model.Equals("esn", StringComparison.OrdinalIgnoreCase))
        {
            return EsnTraining.Run(settings);
        }
        var plan = PlanFactory.FromSettings(settings);
        plan.Validate();
        var (train, test) = DataSets.Load(plan);
        using var metrics = settings.Metrics is null ? null : new MetricsWriter(settings.Metrics);
        using var progress = ProgressRenderer.Create(settings.NoProgress);
        progress.Header(plan, train.Count, test.Count);
        void Listen(TrainingEvent e)
        {
            progress.Report(e);
            if (e is EpochCompleted epoch)
            {
                metrics?.Write(epoch);
            }
        }
        TrainingSummary summary;
        Sequential? model;
        if (settings.Engine == "local")
        {
            var trainer = new LocalTrainer(plan, Listen);
            summary = trainer.Run(train, test, cancellationToken);
            model = trainer.Model;
        }
        else
        {
            (summary, model) = SingleProcessTraining.RunAsync(plan, new InMemoryDataSource(train, test), Listen, cancellationToken).GetAwaiter().GetResult();
        }
        progress.Done(summary);
        if (settings.Save is not null && model is not null)
        {
            ModelStore.Save(settings.Save, plan, model);
        }
        if (settings.SummaryJson is not null)
        {
            JsonFiles.WriteAtomically(settings.SummaryJson, summary);
        }
        return 0;
    }
}
