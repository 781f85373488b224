using System.Diagnostics;

namespace DistNN.Benchmarking;

/// <summary>Processes' CPU time over one stretch of wall time, read from the runtime (for idle baselines and timed windows).</summary>
internal static class ProcessCpu
{
    /// <summary>Each of <paramref name="processes"/>' CPU-seconds over <paramref name="span"/> (one window for all), and the window's seconds.</summary>
    public static async Task<(double[] CpuSeconds, double Seconds)> OverAsync(TimeSpan span, params Process[] processes)
    {
        var before = processes.Select(p => { p.Refresh(); return p.TotalProcessorTime; }).ToArray();
        var clock = Stopwatch.StartNew();
        await Task.Delay(span);
        var cpu = processes.Select((p, i) => { p.Refresh(); return (p.TotalProcessorTime - before[i]).TotalSeconds; }).ToArray();
        return (cpu, clock.Elapsed.TotalSeconds);
    }
}
