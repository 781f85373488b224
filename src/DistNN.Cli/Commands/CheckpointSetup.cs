using DistNN.Training.Checkpoints;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

/// <summary>From the checkpoint options to the run's <see cref="CheckpointOptions"/>, and the plan of a resume.</summary>
internal static class CheckpointSetup
{
    /// <summary>
    /// The plan to run: the options' own, or with --resume the newest usable checkpoint's (a newer corrupt one is named on
    /// stderr). No usable checkpoint is bad input (exit 2).
    /// </summary>
    public static (TrainingPlan Plan, CheckpointOptions? Checkpoints) Resolve(PlanSettings settings, Func<TrainingPlan> fromOptions)
    {
        CheckpointEntry? resume = null;
        TrainingPlan plan;
        if (settings.Resume is { } dir)
        {
            if (!Directory.Exists(dir))
            {
                throw new OptionException($"--resume: the checkpoint directory '{dir}' does not exist");
            }
            resume = CheckpointStore.LatestGood(dir, line => Console.Error.WriteLine($"distnn: {line}"))
                ?? throw new OptionException($"--resume: no usable checkpoint in '{dir}' (distnn checkpoint verify {dir} says why)");
            var m = resume.Manifest!;
            plan = m.ReadPlan();
            if (m.Epoch >= plan.Epochs && m.BatchesApplied.Length == m.TotalBatches)
            {
                throw new OptionException($"--resume: checkpoint {resume.Folder} is the end of the run's last epoch: nothing is left to train "
                    + $"(its weights: {Path.Combine(resume.Path, "server-*.safetensors")})");
            }
            if (settings.DataDir is { } data)
            {
                plan = plan with { DataDir = data }; // where the files are is this machine's, not the run's
            }
            Console.WriteLine($"resuming from checkpoint {resume.Folder}: epoch {m.Epoch}, {m.BatchesApplied.Length} of its {m.TotalBatches} batches applied, step {m.Step}");
        }
        else
        {
            plan = fromOptions();
        }
        string? directory = settings.CheckpointDir ?? settings.Resume;
        var options = directory is null ? null : new CheckpointOptions(directory, settings.CheckpointEvery, settings.KeepCheckpoints, resume)
        {
            StandbyServers = settings.StandbyServers,
        };
        return (plan, options);
    }
}
