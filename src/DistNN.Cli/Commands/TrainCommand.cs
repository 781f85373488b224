using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>
/// `distnn train`: options → TrainingPlan → checks against the data → run → summary, metrics and saved weights.
/// Exit 0 when done, 1 when the run failed, 130 when a signal stopped it (the summary's status says the same).
/// </summary>
public sealed class TrainCommand : AsyncCommand<TrainSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Model.Equals("esn", StringComparison.OrdinalIgnoreCase))
        {
            return EsnTraining.Run(settings);
        }
        var (plan, checkpoints) = CheckpointSetup.Resolve(settings, () => PlanFactory.FromSettings(settings));
        if (checkpoints is not null && settings.Engine == "local")
        {
            throw new OptionException("--checkpoint-dir and --resume need the actors engine (the servers write the checkpoints); --engine local has none");
        }
        plan.Validate();
        // From here a signal has an answer: while the data set is read it ends the process at once (one line, exit 130);
        // once training starts it stops the run at its next step.
        using var interruption = new Interruption(cancellationToken) { ExitAtOnceWhile = "reading the data set" };
        LoadingTestHook.PauseIfAsked();
        var (train, test) = DataSets.Load(plan);
        RunChecks.AgainstData(plan, DatasetShape.Of(train));
        interruption.ExitAtOnceWhile = null;
        using var report = new RunReport(settings, plan, train.Count, test.Count, settings.Engine,
            settings.Engine == "local" ? new MemberSeen("trainer", "local", "in process", "up") : new MemberSeen("coordinator", "coordinator", "in process", "up"));
        TrainingSummary summary;
        TrainingRun? actorRun = null;
        Sequential? model = null;
        int exitCode = 0;
        try
        {
            if (settings.Engine == "local")
            {
                var trainer = new LocalTrainer(plan, report.Listen);
                try
                {
                    summary = trainer.Run(train, test, interruption.Token);
                }
                finally
                {
                    model = trainer.Model;
                }
            }
            else
            {
                var run = actorRun = new TrainingRun(plan, new InMemoryDataSource(train, test), report.Listen) { Checkpoints = checkpoints };
                try
                {
                    summary = await SingleProcessTraining.RunAsync(run, interruption.Token);
                }
                finally
                {
                    model = run.FinalModel;
                }
            }
            report.Done(summary);
        }
        catch (OperationCanceledException) when (interruption.Requested)
        {
            report.Stop();
            summary = report.Ended(plan, train.Count, "interrupted", "stopped by a signal");
            Console.Error.WriteLine($"distnn: interrupted after {summary.Epochs} finished epoch(s)"
                + (settings.Engine == "local" ? "" : "; the weights kept are those of the last finished epoch"));
            if (checkpoints is not null)
            {
                Console.Error.WriteLine($"distnn: {actorRun?.InterruptCheckpoint ?? "no checkpoint of the moment it stopped: training had not started"}");
            }
            exitCode = Interruption.ExitCode;
        }
        catch (Exception e) when (e is TrainingFailedException or NonFiniteException or DivergedException)
        {
            report.Stop();
            summary = report.Ended(plan, train.Count, "failed", e.Message);
            Console.Error.WriteLine($"distnn: error: the run failed: {e.Message}");
            model = null;
            exitCode = 1;
        }
        report.Keep(plan, summary, model);
        return exitCode;
    }
}

/// <summary>
/// For the interrupt tests only: DISTNN_TEST_LOADING_PAUSE=1 holds `distnn train` before it reads the data set, after
/// printing one line, so that a test can send its signal while the data set is being read.
/// </summary>
internal static class LoadingTestHook
{
    public static void PauseIfAsked()
    {
        if (Environment.GetEnvironmentVariable("DISTNN_TEST_LOADING_PAUSE") == "1")
        {
            Console.Error.WriteLine("distnn: test hook: paused before reading the data set");
            Console.Error.Flush();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
