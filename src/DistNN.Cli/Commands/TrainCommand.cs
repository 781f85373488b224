using DistNN.Nn.Models;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>`distnn train`: options → TrainingPlan → run → summary, metrics and saved weights.</summary>
public sealed class TrainCommand : AsyncCommand<TrainSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Model.Equals("esn", StringComparison.OrdinalIgnoreCase))
        {
            return EsnTraining.Run(settings);
        }
        var plan = PlanFactory.FromSettings(settings);
        plan.Validate();
        var (train, test) = DataSets.Load(plan);
        RunChecks.AgainstData(plan, train);
        using var report = new RunReport(settings, plan, train.Count, test.Count);
        TrainingSummary summary;
        Sequential? model;
        if (settings.Engine == "local")
        {
            var trainer = new LocalTrainer(plan, report.Listen);
            summary = trainer.Run(train, test, cancellationToken);
            model = trainer.Model;
        }
        else
        {
            (summary, model) = await SingleProcessTraining.RunAsync(plan, new InMemoryDataSource(train, test), report.Listen, cancellationToken);
        }
        report.Done(summary);
        report.Keep(plan, summary, model);
        return 0;
    }
}
