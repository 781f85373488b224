using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace DistNN.Cli.Plotting;

public sealed class PlotSettings : CommandSettings
{
    [CommandArgument(0, "<METRICS>")]
    [Description("Metrics files written by `distnn train --metrics` (JSON lines); several overlay, one colour each.")]
    public string[] MetricsFiles { get; init; } = [];

    [CommandOption("-o|--out <PATH>")]
    [Description("The PNG to write.")]
    public string Out { get; init; } = "";

    [CommandOption("--width <PIXELS>")]
    [DefaultValue(TrainingPlot.DefaultWidth)]
    public int Width { get; init; } = TrainingPlot.DefaultWidth;

    [CommandOption("--height <PIXELS>")]
    [DefaultValue(TrainingPlot.DefaultHeight)]
    public int Height { get; init; } = TrainingPlot.DefaultHeight;

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required (the PNG to write)") : ValidationResult.Success();
}

/// <summary>`distnn plot`: loss and accuracy curves of one or more runs from their metrics files.</summary>
public sealed class PlotCommand : AsyncCommand<PlotSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, PlotSettings settings, CancellationToken cancellationToken)
    {
        var runs = settings.MetricsFiles.Select(MetricsFile.Read).ToList();
        TrainingPlot.Save(settings.Out, runs, settings.Width, settings.Height);
        Console.WriteLine($"plot: wrote {settings.Out} ({runs.Count} run{(runs.Count == 1 ? "" : "s")}, {settings.Width}×{settings.Height})");
        return Task.FromResult(0);
    }
}
