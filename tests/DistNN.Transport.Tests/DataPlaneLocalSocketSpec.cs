using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using DistNN.Protocol.Framing;
using DistNN.Transport.DataPlane;
using DistNN.Transport.Security;

namespace DistNN.Transport.Tests;

/// <summary>
/// A data-plane server on this host also listens on a Unix domain socket: a file only its user may open, removed when
/// the server stops. Frames cross it as they cross TCP, through the same handshake (mutual TLS when configured).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DataPlaneLocalSocketSpec : IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("distnn-uds-spec-").FullName;
    private readonly TemporaryCertificates _certificates = new();
    private readonly ConcurrentQueue<(DataPlaneRefusal Reason, string What)> _refused = new();
    private readonly ConcurrentQueue<string> _log = new();

    private string SocketPath => Path.Combine(_directory, "ps.sock");

    private DataPlaneOptions Options(string? tlsNode = null) => DataPlaneOptions.Default with
    {
        Tls = tlsNode is null ? null : _certificates.Node(tlsNode, "ca"),
        HandshakeTimeout = TimeSpan.FromSeconds(2),
        Refused = (reason, what) => _refused.Enqueue((reason, what)),
        Log = _log.Enqueue,
    };

    private static void Echo(DataPlaneConnection connection, ReadOnlySequence<byte> payload)
    {
        var frame = new FrameWriter((int)payload.Length);
        payload.CopyTo(frame.GetSpan((int)payload.Length));
        frame.Advance((int)payload.Length);
        connection.SendAsync(frame).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Sends a tensor of the cnn's size and returns what the echo server sent back.</summary>
    private static async Task<float[]> RoundTrip(DataPlaneServer server, DataPlaneOptions options, float[] values)
    {
        var back = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await DataPlaneClient.ConnectAsync(new UnixDomainSocketEndPoint(server.LocalSocketPath!), (_, payload) =>
        {
            var received = new float[values.Length];
            payload.CopyTo(MemoryMarshal.AsBytes(received.AsSpan()));
            back.TrySetResult(received);
        }, options, host: "127.0.0.1");
        Assert.True(client.IsLocalSocket);
        Assert.Equal(options.Tls is not null, client.IsTls);
        var frame = new FrameWriter();
        frame.AppendExternal(values);
        await client.SendAsync(frame);
        return await back.Task.WaitAsync(s_wait);
    }

    private static float[] Cnn() => Enumerable.Range(0, 421_642).Select(i => i * 0.25f - 7f).ToArray();

    [Fact]
    public async Task A_tensor_crosses_the_local_socket_bit_identical_and_the_socket_file_is_the_users_alone_and_gone_after_shutdown()
    {
        float[] values = Cnn();
        var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options(), localSocketPath: SocketPath);
        try
        {
            Assert.Equal(SocketPath, server.LocalSocketPath);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));

            Assert.Equal(values, await RoundTrip(server, Options(), values));
            Assert.Empty(_refused);
        }
        finally
        {
            await server.DisposeAsync();
        }

        Assert.False(File.Exists(SocketPath), "the socket file outlived its server");
    }

    [Fact]
    public async Task Mutual_tls_still_applies_on_the_local_socket_a_plain_peer_is_refused_at_the_handshake()
    {
        float[] values = Cnn();
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options("ps"), localSocketPath: SocketPath);

        Assert.Equal(values, await RoundTrip(server, Options("worker"), values));

        using var plain = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await plain.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath));
        await plain.SendAsync(new byte[64], SocketFlags.None);
        var deadline = DateTime.UtcNow + s_wait;
        (DataPlaneRefusal Reason, string What) refusal;
        while (!_refused.TryDequeue(out refusal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the plain peer on the local socket was not refused");
            await Task.Delay(20);
        }
        Assert.Equal(DataPlaneRefusal.Handshake, refusal.Reason);
        Assert.Contains("local-socket peer", refusal.What);
    }

    [Fact]
    public async Task A_socket_path_that_cannot_be_bound_leaves_the_server_on_tcp_alone_and_says_so()
    {
        string missing = Path.Combine(_directory, "no-such-directory", "ps.sock");

        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options(), localSocketPath: missing);

        Assert.Null(server.LocalSocketPath);
        Assert.NotEqual(0, server.LocalEndPoint.Port);
        Assert.Contains(_log, line => line.Contains(missing) && line.Contains("TCP only"));
    }

    [Fact]
    public async Task A_socket_file_left_by_a_killed_node_is_removed_by_the_next_server_in_its_directory_a_live_servers_is_not()
    {
        // A file no one listens on, named after a pid that cannot exist: what a node killed before its shutdown leaves.
        string stale = Path.Combine(_directory, $"{LocalSocketFiles.Prefix}999999999-0123456789ab.sock");
        string bound = Path.Combine(_directory, "bound.sock");
        using (var killed = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            killed.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, stale);
        }
        string live = Path.Combine(_directory, $"{LocalSocketFiles.Prefix}999999998-0123456789ab.sock");
        await using var server = DataPlaneServer.Start("127.0.0.1", 0, Echo, Options(), localSocketPath: live);
        Assert.True(File.Exists(stale));

        LocalSocketFiles.RemoveStale(_directory);

        Assert.False(File.Exists(stale), "the killed node's socket file stayed");
        Assert.True(File.Exists(live), "a live server's socket file was removed");
    }

    [Fact]
    public void An_announcement_names_the_tcp_endpoint_and_the_local_socket_with_its_host_and_only_this_host_takes_the_socket()
    {
        var here = DataPlaneAddress.Parse($"ps-0:5100 local {HostIdentity.Current} /run/user/0/distnn dp.sock");
        var elsewhere = DataPlaneAddress.Parse("ps-0:5100 local 00000000-0000-0000-0000-000000000000/1 /run/user/0/dp.sock");
        var tcpOnly = DataPlaneAddress.Parse("[::1]:5100");

        Assert.Equal(("ps-0", 5100, "/run/user/0/distnn dp.sock"), (here.Host, here.Port, here.SocketPath));
        Assert.Equal($"ps-0:5100 local {HostIdentity.Current} /run/user/0/distnn dp.sock", here.ToString());
        Assert.Equal(HostIdentity.Current is not null, here.IsLocal);
        Assert.False(elsewhere.IsLocal);
        Assert.Equal(("::1", 5100, null, "[::1]:5100"), (tcpOnly.Host, tcpOnly.Port, tcpOnly.SocketPath, tcpOnly.Tcp));
        Assert.False(tcpOnly.IsLocal);
        Assert.Contains("without a host identity and a path", Assert.Throws<FormatException>(() => DataPlaneAddress.Parse("ps-0:5100 local x")).Message);
        Assert.Contains("is not host:port", Assert.Throws<FormatException>(() => DataPlaneAddress.Parse("ps-0 local x /p")).Message);
    }

    public void Dispose()
    {
        _certificates.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
