using DistNN.Protocol.Messages;
using System.Diagnostics;
using DistNN.Benchmarking;
using DistNN.Training.Plan;

namespace DistNN.Cli.Commands;

/// <summary>
/// `distnn bench --push-pull`: starts this same program as the server node in a child process
/// (`--push-pull-server`), reads its ready line, and times round trips from this process.
/// </summary>
internal static class PushPullBench
{
    public static async Task<PushPullResult> RunAsync(BenchSettings settings)
    {
        var carrier = Enum.Parse<TensorCarrierKind>(settings.Carrier, ignoreCase: true);
        if (settings.OneProcess)
        {
            return await PushPullBenchmark.RunAsync(carrier, settings.Seconds, settings.ChunkBytes, akkaBatching: !settings.NoAkkaBatching,
                extraHocon: settings.AkkaConfig, compression: settings.Compression);
        }
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath!,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // Run through `dotnet distnn.dll` the child needs the dll too.
        string entry = typeof(PushPullBench).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(entry);
        }
        foreach (string arg in new[] { "bench", "--push-pull-server", "--carrier", settings.Carrier, "--chunk-bytes", settings.ChunkBytes.ToString() })
        {
            start.ArgumentList.Add(arg);
        }
        if (settings.NoAkkaBatching)
        {
            start.ArgumentList.Add("--no-akka-batching");
        }
        start.ArgumentList.Add("--akka-config");
        start.ArgumentList.Add(settings.AkkaConfig);
        using var server = Process.Start(start) ?? throw new InvalidOperationException("could not start the server process");
        try
        {
            string? line;
            while ((line = await server.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith(PushPullBenchmark.ReadyPrefix, StringComparison.Ordinal))
            {
            }
            if (line is null)
            {
                throw new InvalidOperationException("the push-pull server process ended before it was ready");
            }
            return await PushPullBenchmark.RunAsync(carrier, settings.Seconds, settings.ChunkBytes, server, line, !settings.NoAkkaBatching, settings.AkkaConfig,
                settings.Compression);
        }
        finally
        {
            server.StandardInput.Close();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await server.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                server.Kill();
            }
        }
    }

    /// <summary>The child: serves until its standard input closes.</summary>
    public static async Task<int> ServeAsync(BenchSettings settings)
    {
        var carrier = Enum.Parse<TensorCarrierKind>(settings.Carrier, ignoreCase: true);
        // Console.In reads synchronously even through its async methods: a pool thread waits for the parent to close it.
        var stop = Task.Run(() => Console.In.ReadToEnd());
        await PushPullBenchmark.ServeAsync(carrier, settings.ChunkBytes, line =>
        {
            Console.WriteLine(line);
            Console.Out.Flush();
        }, stop, !settings.NoAkkaBatching, settings.AkkaConfig);
        return 0;
    }
}
