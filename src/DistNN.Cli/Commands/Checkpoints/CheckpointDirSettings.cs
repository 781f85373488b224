using System.ComponentModel;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands.Checkpoints;

public sealed class CheckpointDirSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("A checkpoint directory (--checkpoint-dir of a run).")]
    public string Directory { get; init; } = "";
}
