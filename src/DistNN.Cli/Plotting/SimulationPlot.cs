using ScottPlot;

namespace DistNN.Cli.Plotting;

/// <summary>One line of a simulation plot: its label and, per worker count, samples/s and milliseconds per step.</summary>
internal sealed record SimulationSeries(string Label, IReadOnlyList<(int Workers, double SamplesPerSecond, double StepMs)> Points);

/// <summary>
/// Samples/s (left, log scale, with the ideal of linear scaling dotted) and time per step (right) against workers
/// (log₂ scale), a line per series: solid without compression, dashed with it.
/// </summary>
internal static class SimulationPlot
{
    public static void Save(string path, IReadOnlyList<SimulationSeries> series, double idealPerWorker, int width = 1400, int height = 600)
    {
        var rate = new Plot();
        var step = new Plot();
        var palette = new ScottPlot.Palettes.Category20();
        var workers = series.SelectMany(s => s.Points.Select(p => p.Workers)).Distinct().Order().ToArray();
        double[] xs = workers.Select(w => Math.Log2(w)).ToArray();
        var ideal = rate.Add.Scatter(xs, workers.Select(w => Math.Log10(w * idealPerWorker)).ToArray());
        ideal.Color = Colors.Gray;
        ideal.LinePattern = LinePattern.Dotted;
        ideal.LegendText = "linear (compute only)";
        ideal.MarkerSize = 0;
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = palette.GetColor(i);
            double[] x = s.Points.Select(p => Math.Log2(p.Workers)).ToArray();
            Line(rate, x, s.Points.Select(p => Math.Log10(p.SamplesPerSecond)).ToArray(), color, s.Label);
            Line(step, x, s.Points.Select(p => p.StepMs).ToArray(), color, s.Label);
        }
        foreach (var plot in new[] { rate, step })
        {
            plot.Axes.Bottom.SetTicks(xs, workers.Select(w => w.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            plot.XLabel("workers");
        }
        var decades = Enumerable.Range(0, 9).Select(d => (double)d).ToArray();
        rate.Axes.Left.SetTicks(decades, decades.Select(d => Math.Pow(10, d).ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        rate.Title("samples/s");
        step.Title("time per step (ms): compute + waiting");
        step.Axes.SetLimitsY(0, series.SelectMany(s => s.Points).Max(p => p.StepMs) * 1.1);
        rate.ShowLegend(Alignment.UpperLeft);
        step.ShowLegend(Alignment.UpperLeft);
        SideBySide.Save(path, rate, step, width, height);
    }

    private static void Line(Plot plot, double[] xs, double[] ys, Color color, string label)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.Color = color;
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 5;
        if (label.Contains("topk", StringComparison.Ordinal) || label.Contains("int8", StringComparison.Ordinal) || label.Contains("fp16", StringComparison.Ordinal))
        {
            line.LinePattern = LinePattern.Dashed;
        }
    }
}
