using System.ComponentModel;
using DistNN.Training.Checkpoints;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>The checkpoint options of `distnn train` and of a coordinator node (docs/checkpoints.md).</summary>
public abstract partial class PlanSettings
{
    [CommandOption("--checkpoint-dir <DIR>")]
    [Description("Write checkpoints (each server's chunks with their optimizer state, and a manifest) into folders of DIR; off without it, except that --resume goes on writing into the resumed directory. On a ps node (distnn node --role ps): that node's own folder for its server's files, instead of the coordinator's shared one.")]
    public string? CheckpointDir { get; init; }

    [CommandOption("--checkpoint-every <K>")]
    [Description("A checkpoint every K optimizer steps, besides one at each epoch's end; 0 = only at epoch ends.")]
    [DefaultValue(CheckpointOptions.DefaultEvery)]
    public int CheckpointEvery { get; init; } = CheckpointOptions.DefaultEvery;

    [CommandOption("--keep-checkpoints <N>")]
    [Description("Keep the newest N finished checkpoints; at least 1.")]
    [DefaultValue(CheckpointOptions.DefaultKeep)]
    public int KeepCheckpoints { get; init; } = CheckpointOptions.DefaultKeep;

    [CommandOption("--resume <DIR>")]
    [Description("Continue the run of the newest usable checkpoint in DIR (its plan, epoch and remaining batches; the training options given here are ignored). None usable: exit 2.")]
    public string? Resume { get; init; }

    [CommandOption("--standby-servers <N>")]
    [Description("Parameter servers beyond --servers that register and wait; when a server is lost, one takes its chunks, every server goes back to the latest checkpoint and training goes on (with none left, a ps node that joins takes them). Needs --checkpoint-dir. 0 = a lost server ends the run.")]
    [DefaultValue(0)]
    public int StandbyServers { get; init; }

    private Spectre.Console.ValidationResult ValidateCheckpoints()
    {
        if (StandbyServers < 0)
        {
            return Spectre.Console.ValidationResult.Error($"--standby-servers must be 0 or more (got {StandbyServers})");
        }
        if (StandbyServers > 0 && CheckpointDir is null && Resume is null)
        {
            return Spectre.Console.ValidationResult.Error("--standby-servers needs --checkpoint-dir: a standby is restored from the latest checkpoint");
        }
        if (CheckpointEvery < 0)
        {
            return Spectre.Console.ValidationResult.Error($"--checkpoint-every must be 0 (epoch ends only) or more (got {CheckpointEvery})");
        }
        if (KeepCheckpoints < 1)
        {
            return Spectre.Console.ValidationResult.Error($"--keep-checkpoints must be at least 1 (got {KeepCheckpoints})");
        }
        return Spectre.Console.ValidationResult.Success();
    }
}
