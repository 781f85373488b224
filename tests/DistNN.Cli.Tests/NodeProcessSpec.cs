using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DistNN.Cli.Tests;

/// <summary>A real `distnn node --role coordinator` process, poked from outside.</summary>
public class NodeProcessSpec
{
    [Fact]
    public async Task Garbage_on_the_akka_port_is_one_log_line_and_sigterm_ends_the_coordinator_with_130_within_5_s()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "distnn.dll"), "node", "--role", "coordinator", "--port", port.ToString(),
            "--data-dir", Distnn.MnistDir(), "--train-limit", "640", "--epochs", "1", "--no-progress" })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var lines = new ConcurrentQueue<string>();
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }
            lines.Enqueue(line);
            if (line.Contains("waiting for", StringComparison.Ordinal))
            {
                waiting.TrySetResult();
            }
            if (line.Contains("TcpServerHandler", StringComparison.Ordinal))
            {
                logged.TrySetResult();
            }
        }
        p.OutputDataReceived += (_, e) => Collect(e.Data);
        p.ErrorDataReceived += (_, e) => Collect(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        try
        {
            await waiting.Task.WaitAsync(TimeSpan.FromMinutes(1));
            using (var garbage = new TcpClient())
            {
                await garbage.ConnectAsync(IPAddress.Loopback, port);
                await garbage.GetStream().WriteAsync(Enumerable.Range(0, 3000).Select(i => (byte)(i * 7919 % 251)).ToArray());
            }
            await logged.Task.WaitAsync(TimeSpan.FromSeconds(20));

            using (var kill = Process.Start("/bin/kill", ["-s", "TERM", p.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await p.WaitForExitAsync(patience.Token).ContinueWith(_ => { }, TaskScheduler.Default);

            Assert.True(p.HasExited, "the coordinator was still running 5 s after SIGTERM");
            await p.WaitForExitAsync();
            Assert.Equal(130, p.ExitCode);
            // DotNetty reports one bad connection once or twice (a corrupt frame, then a frame too long): a line each.
            Assert.InRange(lines.Count(l => l.Contains("TcpServerHandler", StringComparison.Ordinal)), 1, 2);
            Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
            }
        }
    }
}
