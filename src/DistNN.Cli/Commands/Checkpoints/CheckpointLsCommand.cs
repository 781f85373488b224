using Spectre.Console.Cli;

namespace DistNN.Cli.Commands.Checkpoints;

/// <summary>`distnn checkpoint ls DIR`: the checkpoints newest first, from their manifests (files not hashed: see verify).</summary>
public sealed class CheckpointLsCommand : Command<CheckpointDirSettings>
{
    public override int Execute(CommandContext context, CheckpointDirSettings settings, CancellationToken cancellationToken)
    {
        return CheckpointListing.Print(settings.Directory, verifyFiles: false).Count == 0 ? CliErrors.BadUsage : 0;
    }
}
