using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DistNN.Cli.Tests;

/// <summary>A real `distnn node` process of each role, poked from outside.</summary>
public class NodeProcessSpec
{
    /// <summary>
    /// The coordinator waits for its members; a ps or worker node keeps trying a seed that is not there. Either way its
    /// Akka.Remote port is open, and garbage sent to it must cost one log line, not a stack trace or the node.
    /// </summary>
    [Theory]
    [InlineData("coordinator")]
    [InlineData("ps")]
    [InlineData("worker")]
    public async Task Garbage_on_the_akka_port_is_one_log_line_and_sigterm_ends_the_node_with_130_within_5_s(string role)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        int absentSeed;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            absentSeed = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        string[] roleArguments = role switch
        {
            "coordinator" => ["--train-limit", "640", "--epochs", "1"],
            "worker" => ["--seed", $"akka.tcp://distnn@127.0.0.1:{absentSeed}", "--name", "w0"],
            _ => ["--seed", $"akka.tcp://distnn@127.0.0.1:{absentSeed}"],
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "distnn.dll"), "node", "--role", role, "--port", port.ToString(),
            "--data-dir", Distnn.MnistDir(), "--threads", "1", "--no-progress" }.Concat(roleArguments))
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
            // Ready: the coordinator waits for its members, a ps or worker node for the seed it cannot reach.
            if (line.Contains("waiting for", StringComparison.Ordinal) || line.Contains("cannot reach the seed", StringComparison.Ordinal))
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

            Assert.True(p.HasExited, $"the {role} node was still running 5 s after SIGTERM");
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
