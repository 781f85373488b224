using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using DistNN.Protocol.Framing;
using DistNN.Transport.DataPlane;

namespace DistNN.Transport.Tests;

[CollectionDefinition(nameof(ThreadCounting), DisableParallelization = true)]
public sealed class ThreadCounting;

/// <summary>
/// A data-plane server's connections are bounded: sockets in their handshake hold no thread and the oldest makes room
/// for a newer one, connections past their handshake are capped per server and per peer (one receive thread each), an
/// idle one is closed. A flood of held connections neither adds threads past the cap nor locks a real peer out.
/// </summary>
[Collection(nameof(ThreadCounting))]
public sealed class DataPlaneBoundsSpec
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<DataPlaneRefusal, int> _refused = new();

    private DataPlaneOptions Options => DataPlaneOptions.Default with
    {
        Refused = (reason, _) => _refused.AddOrUpdate(reason, 1, (_, n) => n + 1),
    };

    private static void Echo(DataPlaneConnection connection, ReadOnlySequence<byte> payload)
    {
        var frame = new FrameWriter((int)payload.Length);
        payload.CopyTo(frame.GetSpan((int)payload.Length));
        frame.Advance((int)payload.Length);
        connection.SendAsync(frame).AsTask().GetAwaiter().GetResult();
    }

    private static int Threads()
    {
        using var self = Process.GetCurrentProcess();
        return self.Threads.Count;
    }

    private static async Task<List<Socket>> Open(DataPlaneServer server, int count, bool sendAByte)
    {
        var sockets = new List<Socket>(count);
        for (int i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server.LocalEndPoint);
            if (sendAByte)
            {
                await socket.SendAsync(new byte[] { 0 }, SocketFlags.None);
            }
            sockets.Add(socket);
        }
        return sockets;
    }

    /// <summary>A real peer still connects and gets its frame echoed.</summary>
    private static async Task AssertAPeerIsServed(DataPlaneServer server)
    {
        var echoed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await DataPlaneClient.ConnectAsync(server.LocalEndPoint, (_, _) => echoed.TrySetResult());
        var frame = new FrameWriter();
        frame.GetSpan(8)[..8].Fill(1);
        frame.Advance(8);
        await client.SendAsync(frame);
        await echoed.Task.WaitAsync(s_wait);
    }

    [Fact]
    public async Task A_thousand_held_idle_connections_add_no_threads_and_a_real_peer_still_gets_in()
    {
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options);
        await AssertAPeerIsServed(server);
        int before = Threads();

        var held = await Open(server, 1000, sendAByte: false);
        try
        {
            int during = Threads();
            Assert.True(during - before <= 16, $"threads went from {before} to {during} with 1,000 held connections");
            Assert.InRange(server.PendingCount, 1, Options.MaxPendingConnections);
            Assert.Empty(server.Connections);
            await AssertAPeerIsServed(server);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
        Assert.True(_refused.GetValueOrDefault(DataPlaneRefusal.Handshake) >= 1000 - Options.MaxPendingConnections);
    }

    [Fact]
    public async Task Connections_past_their_handshake_stop_at_the_cap_and_so_do_their_receive_threads()
    {
        var options = Options with { MaxConnections = 24, MaxConnectionsPerPeer = 24 };
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, options);
        int before = Threads();

        var held = await Open(server, 200, sendAByte: true);
        try
        {
            await WaitUntil(() => _refused.GetValueOrDefault(DataPlaneRefusal.ConnectionLimit) >= 200 - 24);
            int during = Threads();
            Assert.Equal(24, server.Connections.Count);
            Assert.True(during - before <= 24 + 16, $"threads went from {before} to {during} with 24 connections held");
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task One_peer_address_holds_at_most_its_share_of_the_connections()
    {
        var options = Options with { MaxConnectionsPerPeer = 3 };
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, options);

        var held = await Open(server, 5, sendAByte: true);
        try
        {
            await WaitUntil(() => _refused.GetValueOrDefault(DataPlaneRefusal.ConnectionLimit) == 2);
            Assert.Equal(3, server.Connections.Count);
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task A_connection_idle_past_the_timeout_is_closed()
    {
        var accepted = new TaskCompletionSource<DataPlaneConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options with { IdleTimeout = TimeSpan.FromMilliseconds(400) });
        server.Accepted += accepted.SetResult;
        await using var client = await DataPlaneClient.ConnectAsync(server.LocalEndPoint, (_, _) => { });
        await client.SendAsync(new FrameWriter());

        var connection = await accepted.Task.WaitAsync(s_wait);
        await connection.Completion.WaitAsync(s_wait);

        Assert.Contains("idle for 0.4 s", connection.CloseReason);
        await client.Completion.WaitAsync(s_wait);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }
}
