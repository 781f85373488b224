using ScottPlot;

namespace DistNN.Cli.Plotting;

/// <summary>
/// Loss (left) and accuracy (right) per epoch as a PNG: test solid, train dashed, one colour per run, so several
/// runs overlay for comparison.
/// </summary>
internal static class TrainingPlot
{
    public const int DefaultWidth = 1200;
    public const int DefaultHeight = 500;

    public static void Save(string path, IReadOnlyList<RunCurves> runs, int width = DefaultWidth, int height = DefaultHeight)
    {
        if (width < 200 || height < 150)
        {
            throw new OptionException($"plot size {width}×{height} is too small (at least 200×150)");
        }
        var loss = new Plot();
        var accuracy = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            var color = palette.GetColor(r);
            double[] epochs = run.Epochs.Select(e => (double)e.Epoch).ToArray();
            string prefix = runs.Count > 1 ? $"{run.Label} " : "";
            Line(loss, epochs, run.Epochs.Select(e => e.TestLoss), color, $"{prefix}test", dashed: false);
            Line(loss, epochs, run.Epochs.Select(e => e.TrainLoss), color, $"{prefix}train", dashed: true);
            Line(accuracy, epochs, run.Epochs.Select(e => e.TestAccuracy * 100), color, $"{prefix}test", dashed: false);
            Line(accuracy, epochs, run.Epochs.Select(e => e.TrainAccuracy * 100), color, $"{prefix}train", dashed: true);
        }
        foreach (var plot in new[] { loss, accuracy })
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }
        loss.Title("loss");
        loss.XLabel("epoch");
        accuracy.Title("accuracy (%)");
        accuracy.XLabel("epoch");
        loss.ShowLegend(Alignment.UpperRight);
        accuracy.ShowLegend(Alignment.LowerRight);

        SideBySide.Save(path, loss, accuracy, width, height);
    }

    private static void Line(Plot plot, double[] xs, IEnumerable<double> ys, Color color, string label, bool dashed)
    {
        var line = plot.Add.Scatter(xs, ys.ToArray());
        line.Color = color;
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 5;
        if (dashed)
        {
            line.LinePattern = LinePattern.Dashed;
        }
    }
}
