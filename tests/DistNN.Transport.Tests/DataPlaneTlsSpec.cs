using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using DistNN.Protocol.Framing;
using DistNN.Transport.DataPlane;
using DistNN.Transport.Security;

namespace DistNN.Transport.Tests;

/// <summary>
/// The data plane on mutual TLS: both ends present a certificate of the cluster's CA and check the other's. A plain
/// TCP peer, a peer with another CA's certificate and a peer that never finishes its handshake are closed at the
/// handshake and counted; none of them ever reaches the frame handler.
/// </summary>
public sealed class DataPlaneTlsSpec : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private readonly TemporaryCertificates _certificates = new();
    private readonly ConcurrentQueue<(DataPlaneRefusal Reason, string What)> _refused = new();
    private int _frames;

    private DataPlaneOptions Options(string node, string ca = "ca") => DataPlaneOptions.Default with
    {
        Tls = _certificates.Node(node, ca),
        HandshakeTimeout = TimeSpan.FromSeconds(2),
        Refused = (reason, what) => _refused.Enqueue((reason, what)),
    };

    private void Echo(DataPlaneConnection connection, ReadOnlySequence<byte> payload)
    {
        Interlocked.Increment(ref _frames);
        var frame = new FrameWriter((int)payload.Length);
        payload.CopyTo(frame.GetSpan((int)payload.Length));
        frame.Advance((int)payload.Length);
        connection.SendAsync(frame).AsTask().GetAwaiter().GetResult();
    }

    private async Task<(DataPlaneRefusal Reason, string What)> NextRefusal()
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (DateTime.UtcNow < deadline)
        {
            if (_refused.TryDequeue(out var refusal))
            {
                return refusal;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException("no refusal reported");
    }

    [Fact]
    public async Task A_tensor_of_the_cnn_size_crosses_mutual_tls_both_ways_bit_identical()
    {
        const int floats = 421_642;
        float[] values = Enumerable.Range(0, floats).Select(i => i * 0.25f - 7f).ToArray();
        var back = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options("ps"));
        await using var client = await DataPlaneClient.ConnectAsync(server.LocalEndPoint, (_, payload) =>
        {
            var received = new float[floats];
            payload.CopyTo(MemoryMarshal.AsBytes(received.AsSpan()));
            back.TrySetResult(received);
        }, Options("worker"));

        var frame = new FrameWriter();
        frame.AppendExternal(values);
        Assert.True(client.TrySend(frame) || await SendQueued(client, frame));

        float[] echoed = await back.Task.WaitAsync(s_wait);
        Assert.True(client.IsTls);
        Assert.Equal(values, echoed);
        Assert.Empty(_refused);
    }

    private static async Task<bool> SendQueued(DataPlaneConnection connection, FrameWriter frame)
    {
        await connection.SendAsync(frame);
        return true;
    }

    [Fact]
    public async Task A_plain_tcp_peer_is_closed_at_the_handshake_and_counted()
    {
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options("ps"));
        using var plain = new TcpClient();
        await plain.ConnectAsync(server.LocalEndPoint);

        // A well-formed frame, as an old or careless peer would send it.
        await plain.GetStream().WriteAsync(new byte[] { 4, 0, 0, 0, Protocol.ProtocolVersion.Current, 0x94, 0xa0, 0xa0, 0x00 });

        Assert.Equal(0, await ReadUntilClosed(plain.GetStream()));
        var (reason, what) = await NextRefusal();
        Assert.Equal(DataPlaneRefusal.Handshake, reason);
        Assert.Contains("TLS handshake failed", what);
        Assert.Equal(0, _frames);
    }

    [Fact]
    public async Task A_peer_with_another_cas_certificate_is_refused_at_the_handshake_both_ways()
    {
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options("ps"));
        var rogue = Options("rogue", ca: "other-ca");

        var refused = await Record.ExceptionAsync(async () =>
        {
            await using var connection = await DataPlaneClient.ConnectAsync(server.LocalEndPoint, (_, _) => { }, rogue);
            // TLS 1.3 tells a client its certificate was refused after its side of the handshake: at its first read.
            await connection.SendAsync(new FrameWriter());
            await connection.Completion.WaitAsync(s_wait);
            throw new IOException(connection.CloseReason);
        });

        Assert.True(refused is AuthenticationException or IOException, $"not refused: {refused}");
        var (reason, what) = await NextRefusal();
        Assert.Equal(DataPlaneRefusal.Handshake, reason);
        Assert.Equal(0, _frames);
    }

    [Fact]
    public async Task A_peer_that_never_finishes_its_handshake_is_closed_at_the_deadline()
    {
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options("ps"));
        using var silent = new TcpClient();
        await silent.ConnectAsync(server.LocalEndPoint);

        Assert.Equal(0, await ReadUntilClosed(silent.GetStream()));
        var (reason, what) = await NextRefusal();
        Assert.Equal(DataPlaneRefusal.Handshake, reason);
        Assert.Contains("no TLS handshake within 2 s", what);
    }

    [Fact]
    public async Task A_flood_of_idle_connections_closes_its_own_sockets_not_a_peer_in_the_middle_of_its_handshake()
    {
        var options = Options("ps") with { MaxPendingConnections = 8, HandshakeTimeout = TimeSpan.FromSeconds(30) };
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, options);
        using var peer = new TcpClient();
        await peer.ConnectAsync(server.LocalEndPoint);
        // The first byte of a TLS record: its handshake has begun, the rest is slow to come (a loaded machine).
        await peer.GetStream().WriteAsync(new byte[] { 22 });

        var flood = new List<Socket>();
        try
        {
            for (int i = 0; i < 40; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.LocalEndPoint);
                flood.Add(socket);
            }
            var deadline = DateTime.UtcNow + s_wait;
            while (_refused.Count < 41 - 8 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.Equal(41 - 8, _refused.Count);
            Assert.All(_refused, r => Assert.Contains("closed to make room for newer connections", r.What));
            // Closed by the server, the peer's socket would read as readable (end of stream).
            Assert.False(peer.Client.Poll(0, SelectMode.SelectRead), "the peer in its handshake was closed to make room for the flood");
        }
        finally
        {
            flood.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Reads until the peer closes: 0, or -1 when it resets the connection; throws if it stays open.</summary>
    private static async Task<int> ReadUntilClosed(NetworkStream stream)
    {
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(s_wait) > 0)
            {
            }
            return 0;
        }
        catch (IOException e) when (e.InnerException is SocketException)
        {
            return 0;
        }
    }

    public void Dispose() => _certificates.Dispose();
}
