using System.Diagnostics;
using System.Globalization;
using DistNN.Benchmarking;

namespace DistNN.Cli.Commands;

/// <summary>
/// `distnn bench --control-plane`: this process is the coordinator's side; the workers run in this same program started
/// as a child process (`--control-plane-workers PATH`), which stops when its standard input closes.
/// </summary>
internal static class ControlPlaneBench
{
    public static Task<ControlPlaneResult> RunAsync(BenchSettings settings) =>
        ControlPlaneBenchmark.RunAsync(settings.Workers, settings.IntervalMs, settings.Seconds, settings.ProcessPerWorker ? settings.Workers : 1, (path, share) =>
        {
            var start = SelfProcess.StartInfo(["bench", "--control-plane-workers", path, "--workers", share.ToString(CultureInfo.InvariantCulture),
                "--interval-ms", settings.IntervalMs.ToString(CultureInfo.InvariantCulture)]);
            var workers = Process.Start(start) ?? throw new InvalidOperationException("could not start the workers' process");
            // Drained, so that the child's log lines never fill the pipe and block it.
            workers.OutputDataReceived += (_, _) => { };
            workers.BeginOutputReadLine();
            return workers;
        });

    /// <summary>The child: reports until its standard input closes.</summary>
    public static async Task<int> ServeWorkersAsync(string coordinator, BenchSettings settings)
    {
        // Console.In reads synchronously even through its async methods: a pool thread waits for the parent to close it.
        var stop = Task.Run(() => Console.In.ReadToEnd());
        await ControlPlaneBenchmark.ServeWorkersAsync(coordinator, settings.Workers, settings.IntervalMs, line =>
        {
            Console.WriteLine(line);
            Console.Out.Flush();
        }, stop);
        return 0;
    }
}
