using DistNN.Training.Checkpoints;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands.Checkpoints;

/// <summary>
/// `distnn checkpoint verify DIR`: every checkpoint's files against its manifest (length and SHA-256), newest first, and
/// which one a resume would use. Exit 0 when every finished checkpoint is good, 1 when one is corrupt (named, with the
/// file and what is wrong), 2 when the directory is missing or holds no checkpoint.
/// </summary>
public sealed class CheckpointVerifyCommand : Command<CheckpointDirSettings>
{
    public override int Execute(CommandContext context, CheckpointDirSettings settings, CancellationToken cancellationToken)
    {
        var entries = CheckpointListing.Print(settings.Directory, verifyFiles: true);
        if (entries.Count == 0)
        {
            return CliErrors.BadUsage;
        }
        var corrupt = entries.Where(e => !e.IsGood && !e.Unfinished).ToList();
        var usable = entries.FirstOrDefault(e => e.IsGood);
        Console.WriteLine(usable is null ? "no usable checkpoint: a resume would exit 2" : $"a resume would use {usable.Folder}");
        foreach (var e in corrupt)
        {
            Console.Error.WriteLine($"distnn: checkpoint {e.Folder} is corrupt: {string.Join("; ", e.Problems)}");
        }
        return corrupt.Count > 0 ? CliErrors.Failed : usable is null ? CliErrors.BadUsage : 0;
    }
}
