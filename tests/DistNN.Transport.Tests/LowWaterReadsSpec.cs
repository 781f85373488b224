using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DistNN.Protocol.Framing;
using DistNN.Transport.DataPlane;

namespace DistNN.Transport.Tests;

/// <summary>
/// While the rest of a large frame arrives over TCP, a connection's receive thread sleeps until most of it is there
/// (SO_RCVLOWAT, <see cref="LowWaterReads"/>) instead of waking for every segment; headers and small frames are read as
/// soon as they arrive.
/// </summary>
public class LowWaterReadsSpec
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The calling thread's voluntary context switches (the times it slept and was woken), from /proc.</summary>
    private static long VoluntarySwitches()
    {
        foreach (string line in File.ReadLines("/proc/thread-self/status"))
        {
            if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim());
            }
        }
        throw new InvalidOperationException("no voluntary_ctxt_switches in /proc/thread-self/status");
    }

    private static byte[] Frame(int payloadBytes, byte fill)
    {
        using var frame = new FrameWriter(payloadBytes);
        frame.GetSpan(payloadBytes)[..payloadBytes].Fill(fill);
        frame.Advance(payloadBytes);
        return frame.Frame.ToArray();
    }

    private static (Socket Client, Socket Server) TcpPair()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        Socket server = listener.Accept();
        server.ReceiveBufferSize = 4 * 1024 * 1024;
        client.SendBufferSize = 4 * 1024 * 1024;
        return (client, server);
    }

    /// <summary>
    /// A 1.7 MB frame sent in 64 KB pieces a millisecond apart (as a peer's sends reach the socket in pieces): the receive
    /// thread sleeps and wakes a few times for it, not once per piece; the small frame right after it arrives at once.
    /// </summary>
    [Fact]
    public async Task A_large_frame_arriving_in_pieces_wakes_the_receive_thread_a_few_times_not_once_per_piece()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var seen = new List<(int Bytes, long Switches, long At)>();
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new TaskCompletionSource<DataPlaneConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using DataPlaneServer server = DataPlaneServer.Start(new IPEndPoint(IPAddress.Loopback, 0), (_, payload) =>
        {
            lock (seen)
            {
                seen.Add(((int)payload.Length, VoluntarySwitches(), Stopwatch.GetTimestamp()));
                if (seen.Count == 3)
                {
                    third.TrySetResult();
                }
            }
        }, DataPlaneOptions.Default with { ReceiveLowWaterBytes = 2 * 1024 * 1024 });
        server.Accepted += accepted.SetResult;

        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = 4 * 1024 * 1024 };
        await peer.ConnectAsync(server.LocalEndPoint);
        byte[] small = Frame(100, 1);
        byte[] large = Frame(1_700_000, 2);
        peer.Send(small);
        DataPlaneConnection connection = await accepted.Task.WaitAsync(Timeout);
        await Task.Run(() =>
        {
            Thread.Sleep(50);
            for (int at = 0; at < large.Length; at += 64 * 1024)
            {
                peer.Send(large.AsSpan(at, Math.Min(64 * 1024, large.Length - at)));
                Thread.Sleep(1);
            }
        });
        long sentSmall = Stopwatch.GetTimestamp();
        peer.Send(small);
        await third.Task.WaitAsync(Timeout);

        Assert.Equal([100, 1_700_000, 100], seen.Select(s => s.Bytes));
        long wakeUps = seen[1].Switches - seen[0].Switches;
        Assert.True(wakeUps <= 6, $"the receive thread slept {wakeUps} times for a frame sent in 26 pieces");
        Assert.True(connection.GatedReads >= 1);
        Assert.True(Stopwatch.GetElapsedTime(sentSmall, seen[2].At) < TimeSpan.FromMilliseconds(150),
            $"the small frame after the large one took {Stopwatch.GetElapsedTime(sentSmall, seen[2].At).TotalMilliseconds} ms");
        Assert.Equal(1, connection.LowWaterMark);
    }

    /// <summary>
    /// A gated read that finds part of what is due already queued still returns as soon as the rest has come (a blocking
    /// <c>recv</c> with the mark raised would copy the queued part and then wait for a whole mark more), and leaves the
    /// mark at 1, so the next small read returns at once.
    /// </summary>
    [Fact]
    public async Task A_gated_read_with_part_already_queued_returns_when_the_rest_comes_and_puts_the_mark_back()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var (client, server) = TcpPair();
        using (client)
        using (server)
        {
            var reads = new LowWaterReads(server, 2 * 1024 * 1024);
            Assert.True(reads.Enabled);
            client.Send(new byte[500_000]);
            await Task.Delay(50);
            var buffer = new byte[2 * 1024 * 1024];
            _ = Task.Run(async () =>
            {
                await Task.Delay(100);
                client.Send(new byte[600_000]);
            });
            int received = 0;
            await Task.Run(() =>
            {
                while (received < 1_100_000)
                {
                    received += reads.Receive(buffer.AsSpan(received), 1_100_000 - received);
                }
            }).WaitAsync(Timeout);
            Assert.Equal(1_100_000, received);
            // One read normally; two if the machine is so busy that the rest came after the wait's time limit.
            Assert.InRange(reads.GatedReads, 1, 2);
            Assert.Equal(1, reads.Mark);

            client.Send(new byte[10]);
            Assert.Equal(10, await Task.Run(() => reads.Receive(buffer, 0)).WaitAsync(TimeSpan.FromSeconds(1)));
        }
    }

    [Fact]
    public async Task Reads_of_a_unix_domain_socket_are_not_gated()
    {
        string path = Path.Combine(Path.GetTempPath(), $"distnn-lowat-{Guid.NewGuid():N}.sock");
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
            using Socket server = listener.Accept();
            var reads = new LowWaterReads(server, 2 * 1024 * 1024);
            Assert.False(reads.Enabled);
            Task sent = Task.Run(() => client.Send(new byte[300_000])); // more than the socket buffer: sent while read
            var buffer = new byte[1_000_000];
            int received = 0;
            while (received < 300_000)
            {
                received += reads.Receive(buffer.AsSpan(received), 300_000 - received);
            }
            await sent.WaitAsync(Timeout);
            Assert.Equal(0, reads.GatedReads);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
