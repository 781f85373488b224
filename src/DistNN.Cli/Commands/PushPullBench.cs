using DistNN.Protocol.Messages;
using System.Diagnostics;
using DistNN.Benchmarking;
using DistNN.Training.Plan;
using DistNN.Transport.Security;

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
                extraHocon: settings.AkkaConfig, compression: settings.Compression, parts: settings.Parts, clients: settings.Clients ?? 0,
                lastAlone: settings.LastPartAlone, roundMs: settings.RoundMs, partShares: settings.PartShares is null ? null : settings.PartShareList());
        }
        await using var server = await ServerProcess.StartAsync(settings, tlsDir: null);
        return await server.MeasureAsync(settings, clientTls: null);
    }

    /// <summary>
    /// `--push-pull --tls`: a plain and a TLS server process, then --rounds of round trips against each in turn (plain
    /// first), so that both see the same machine load; a line per round and one comparing the medians.
    /// </summary>
    public static async Task<List<object>> CompareTlsAsync(BenchSettings settings)
    {
        using var certificates = new TemporaryCertificates();
        certificates.Node("server");
        NodeTls client = certificates.Node("client");
        await using var plain = await ServerProcess.StartAsync(settings, tlsDir: null);
        await using var tls = await ServerProcess.StartAsync(settings, certificates.Directory);
        var results = new List<object>();
        for (int round = 0; round < settings.Rounds; round++)
        {
            results.Add(await plain.MeasureAsync(settings, clientTls: null));
            results.Add(await tls.MeasureAsync(settings, client));
        }
        var rounds = results.Cast<PushPullResult>().ToList();
        double plainMs = Medians.Of(rounds.Where(r => !r.Tls).Select(r => r.MsMedian));
        double tlsMs = Medians.Of(rounds.Where(r => r.Tls).Select(r => r.MsMedian));
        results.Add(new PushPullTlsComparison(settings.Rounds, settings.Seconds, plainMs, tlsMs, Math.Round(tlsMs / plainMs, 3),
            Medians.Of(rounds.Where(r => !r.Tls).Select(r => r.CpuSecondsPerGb)), Medians.Of(rounds.Where(r => r.Tls).Select(r => r.CpuSecondsPerGb)),
            System.Runtime.Intrinsics.X86.Aes.IsSupported));
        return results;
    }

    /// <summary>The server node of the bench: this same program in a child process (`--push-pull-server`), ready when it says so.</summary>
    private sealed class ServerProcess(Process process, string readyLine) : IAsyncDisposable
    {
        public static async Task<ServerProcess> StartAsync(BenchSettings settings, string? tlsDir)
        {
            var start = SelfProcess.StartInfo(["bench", "--push-pull-server", "--carrier", settings.Carrier, "--chunk-bytes", settings.ChunkBytes.ToString()]);
            if (settings.NoAkkaBatching)
            {
                start.ArgumentList.Add("--no-akka-batching");
            }
            if (tlsDir is not null)
            {
                start.ArgumentList.Add("--tls-dir");
                start.ArgumentList.Add(tlsDir);
            }
            if (settings.Clients is int clients)
            {
                start.ArgumentList.Add("--clients");
                start.ArgumentList.Add(clients.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            start.ArgumentList.Add("--akka-config");
            start.ArgumentList.Add(settings.AkkaConfig);
            var server = Process.Start(start) ?? throw new InvalidOperationException("could not start the server process");
            string? line;
            while ((line = await server.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith(PushPullBenchmark.ReadyPrefix, StringComparison.Ordinal))
            {
            }
            if (line is null)
            {
                server.Dispose();
                throw new InvalidOperationException("the push-pull server process ended before it was ready");
            }
            return new ServerProcess(server, line);
        }

        public Task<PushPullResult> MeasureAsync(BenchSettings settings, NodeTls? clientTls) =>
            PushPullBenchmark.RunAsync(Enum.Parse<TensorCarrierKind>(settings.Carrier, ignoreCase: true), settings.Seconds, settings.ChunkBytes,
                process, readyLine, !settings.NoAkkaBatching, settings.AkkaConfig, settings.Compression, clientTls, parts: settings.Parts,
                clients: settings.Clients ?? 0, lastAlone: settings.LastPartAlone, roundMs: settings.RoundMs, partShares: settings.PartShares is null ? null : settings.PartShareList());

        public async ValueTask DisposeAsync()
        {
            process.StandardInput.Close();
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
            }
            process.Dispose();
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
        }, stop, !settings.NoAkkaBatching, settings.AkkaConfig, settings.TlsDir is null ? null : TemporaryCertificates.Load(settings.TlsDir, "server"),
            settings.Clients ?? 0);
        return 0;
    }
}

/// <summary>
/// `--push-pull --tls`: the median of each kind's rounds (round-trip median in ms, CPU-seconds of both processes per GB
/// moved), their ratio, and whether the CPU has AES-NI (what makes TLS's AES-GCM cheap).
/// </summary>
public sealed record PushPullTlsComparison(
    int Rounds, double SecondsEach, double MsMedianPlain, double MsMedianTls, double TlsOverPlain, double CpuSecondsPerGbPlain,
    double CpuSecondsPerGbTls, bool AesNi);
