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
        int port = FreePort(), absentSeed = FreePort();
        string[] roleArguments = role switch
        {
            "coordinator" => ["--train-limit", "640", "--epochs", "1"],
            "worker" => ["--seed", $"akka.tcp://distnn@127.0.0.1:{absentSeed}", "--name", "w0"],
            _ => ["--seed", $"akka.tcp://distnn@127.0.0.1:{absentSeed}"],
        };
        using var p = DistnnProcess.Start(new[] { "node", "--role", role, "--port", port.ToString(), "--data-dir", Distnn.MnistDir(), "--threads", "1",
            "--no-progress" }.Concat(roleArguments));
        // Ready: the coordinator waits for its members, a ps or worker node for the seed it cannot reach.
        await p.LineAsync(l => l.Contains("waiting for", StringComparison.Ordinal) || l.Contains("cannot reach the seed", StringComparison.Ordinal),
            TimeSpan.FromMinutes(1));
        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync(IPAddress.Loopback, port);
            await garbage.GetStream().WriteAsync(Enumerable.Range(0, 3000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        }
        await p.LineAsync(l => l.Contains("TcpServerHandler", StringComparison.Ordinal), TimeSpan.FromSeconds(20));

        await p.SignalAsync("TERM");

        Assert.True(await p.ExitedWithinAsync(TimeSpan.FromSeconds(5)), $"the {role} node was still running 5 s after SIGTERM");
        Assert.Equal(130, p.ExitCode);
        // DotNetty reports one bad connection once or twice (a corrupt frame, then a frame too long): a line each.
        Assert.InRange(p.Lines.Count(l => l.Contains("TcpServerHandler", StringComparison.Ordinal)), 1, 2);
        Assert.DoesNotContain(p.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
