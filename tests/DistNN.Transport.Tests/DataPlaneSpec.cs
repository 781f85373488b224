using System.Buffers;
using System.Net;
using System.Net.Sockets;
using DistNN.Transport.DataPlane;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;

namespace DistNN.Transport.Tests;

public class DataPlaneSpec
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Sends every frame straight back, waiting for room in the send queue (which holds up reading).</summary>
    private static void Echo(DataPlaneConnection connection, ReadOnlySequence<byte> payload)
    {
        var frame = new FrameWriter((int)payload.Length);
        payload.CopyTo(frame.GetSpan((int)payload.Length));
        frame.Advance((int)payload.Length);
        if (!connection.TrySend(frame))
        {
            connection.SendAsync(frame).AsTask().GetAwaiter().GetResult();
        }
    }

    private static float[] RandomFloats(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public async Task Tensor_of_the_cnn_size_comes_back_bit_identical_over_loopback()
    {
        const int cnnParameters = 421_642;
        float[] values = RandomFloats(cnnParameters, seed: 7);
        values[5] = float.NaN;
        values[6] = -0f;
        var received = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using DataPlaneServer server = DataPlaneServer.Start("127.0.0.1", 0, Echo);
        Assert.NotEqual(0, server.LocalEndPoint.Port);
        await using DataPlaneConnection client = await DataPlaneClient.ConnectAsync(server.LocalEndPoint, (_, payload) =>
        {
            var back = new float[cnnParameters];
            payload.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(back.AsSpan()));
            received.TrySetResult(back);
        });

        var frame = new FrameWriter(4 * cnnParameters + 64);
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(frame.GetSpan(4 * cnnParameters));
        frame.Advance(4 * cnnParameters);
        await client.SendAsync(frame);

        float[] echoed = await received.Task.WaitAsync(Timeout);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).SequenceEqual(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(echoed.AsSpan())));
    }

    [Fact]
    public async Task Values_held_by_reference_are_read_before_TrySend_returns_whether_sent_or_queued()
    {
        const int count = 300_000;
        var received = new List<float[]>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using DataPlaneServer server = DataPlaneServer.Start("127.0.0.1", 0, Echo);
        await using DataPlaneConnection client = await DataPlaneClient.ConnectAsync(server.LocalEndPoint, (_, payload) =>
        {
            var back = new float[count];
            payload.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(back.AsSpan()));
            received.Add(back);
            if (received.Count == 6)
            {
                all.TrySetResult();
            }
        });
        float[] values = new float[count];

        // Six frames in a row: the first ones go out inline, later ones may find the queue busy and be copied.
        for (int i = 0; i < 6; i++)
        {
            values.AsSpan().Fill(i);
            var frame = new FrameWriter();
            frame.AppendExternal(values);
            if (!client.TrySend(frame))
            {
                await client.SendAsync(frame);
            }
        }
        values.AsSpan().Fill(-1);

        await all.Task.WaitAsync(Timeout);
        for (int i = 0; i < 6; i++)
        {
            Assert.All(received[i], v => Assert.Equal(i, v));
        }
    }

    [Fact]
    public async Task Many_frames_arrive_in_order()
    {
        var seen = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using DataPlaneServer server = DataPlaneServer.Start("127.0.0.1", 0, Echo);
        await using DataPlaneConnection client = await DataPlaneClient.ConnectAsync(server.LocalEndPoint, (_, payload) =>
        {
            seen.Add(payload.FirstSpan[0] | payload.FirstSpan[1] << 8);
            if (seen.Count == 500)
            {
                all.TrySetResult();
            }
        });

        for (int i = 0; i < 500; i++)
        {
            var frame = new FrameWriter();
            BitConverter.TryWriteBytes(frame.GetSpan(4), i);
            frame.Advance(1000);
            await client.SendAsync(frame);
        }

        await all.Task.WaitAsync(Timeout);
        Assert.Equal(Enumerable.Range(0, 500), seen);
    }

    [Fact]
    public async Task Peer_with_another_protocol_version_is_refused_and_logged()
    {
        var log = new List<string>();
        var options = DataPlaneOptions.Default with { Violations = new LimitViolations(log.Add) };
        var accepted = new TaskCompletionSource<DataPlaneConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using DataPlaneServer server = DataPlaneServer.Start(new IPEndPoint(IPAddress.Loopback, 0), Echo, options);
        server.Accepted += accepted.SetResult;

        using var stranger = new TcpClient();
        await stranger.ConnectAsync(server.LocalEndPoint);
        await stranger.GetStream().WriteAsync(new byte[] { 1, 0, 0, 0, 99, 0 });
        DataPlaneConnection connection = await accepted.Task.WaitAsync(Timeout);
        await connection.Completion.WaitAsync(Timeout);

        Assert.Contains("protocol version 99", connection.CloseReason);
        Assert.Contains("protocol version 99", Assert.Single(log));
        Assert.Equal(0, await stranger.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task Closing_one_end_completes_the_other_and_refuses_further_sends()
    {
        var accepted = new TaskCompletionSource<DataPlaneConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using DataPlaneServer server = DataPlaneServer.Start("127.0.0.1", 0, Echo);
        server.Accepted += accepted.SetResult;
        DataPlaneConnection client = await DataPlaneClient.ConnectAsync(server.LocalEndPoint, (_, _) => { });
        // A server takes a plain connection in once its first bytes arrive.
        await client.SendAsync(new FrameWriter());
        DataPlaneConnection serverSide = await accepted.Task.WaitAsync(Timeout);

        await serverSide.DisposeAsync();
        await client.Completion.WaitAsync(Timeout);

        Assert.Contains("peer closed", client.CloseReason);
        await Assert.ThrowsAsync<IOException>(async () => await client.SendAsync(new FrameWriter()));
        await client.DisposeAsync();
    }
}
