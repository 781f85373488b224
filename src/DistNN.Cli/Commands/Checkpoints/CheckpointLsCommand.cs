using Spectre.Console.Cli;

namespace DistNN.Cli.Commands.Checkpoints;

/// <summary>`distnn checkpoint ls DIR`: the checkpoints newest first, from their manifests (files not hashed: see verify).</summary>
public sealed class CheckpointLsCommand : Command<CheckpointDirSettings>
{
    public override int Execute(CommandContext context, CheckpointDirSettings settings, CancellationToken cancellationToken)
    {
        var entries = CheckpointListing.Load(settings.Directory, verifyFiles: false);
        if (entries.Count == 0)
        {
            Console.Error.WriteLine($"distnn: no checkpoints in '{settings.Directory}'");
            return CliErrors.BadUsage;
        }
        foreach (var e in entries)
        {
            Console.WriteLine(CheckpointListing.Line(e));
        }
        return 0;
    }
}
