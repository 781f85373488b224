using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Transport.DataPlane;

namespace DistNN.Transport.Tests;

/// <summary>
/// A Tell to a server over the data plane never waits for the network: not for a connection to open, nor for room in
/// a connection's queue. What it sends goes out, in order, once the connection opens or the peer reads again.
/// </summary>
public class DataPlaneLinkSpec : TestKit
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);

    /// <summary>An actor that ignores what it gets (the specs read what reaches the socket).</summary>
    private sealed class Silent : ReceiveActor
    {
        public Silent() => ReceiveAny(_ => { });
    }

    /// <summary>A listener whose accept queue is full: the next connect to it waits until the queue drains.</summary>
    private static (Socket Listener, Socket Filler) ListenerThatDoesNotAcceptYet()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        filler.Connect(listener.LocalEndPoint!);
        return (listener, filler);
    }

    /// <summary>Reads data-plane frames from <paramref name="peer"/> until <paramref name="count"/> have come.</summary>
    private static async Task<List<(string Manifest, string Target)>> ReadFrames(Socket peer, int count)
    {
        var frames = new List<(string, string)>();
        var received = new ArrayBufferWriter<byte>();
        var buffer = new byte[1 << 20];
        while (frames.Count < count)
        {
            int n = await peer.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(s_wait);
            Assert.True(n > 0, $"the connection closed after {frames.Count} of {count} frames");
            received.Write(buffer.AsSpan(0, n));
            var available = new ReadOnlySequence<byte>(received.WrittenMemory);
            frames.Clear();
            while (FrameReader.TryReadFrame(ref available, ProtocolLimits.Default, out ReadOnlySequence<byte> payload))
            {
                var (manifest, target, _, _, _) = MessageFrame.ReadHeader(payload, ProtocolLimits.Default);
                frames.Add((manifest, target));
            }
        }
        return frames;
    }

    private readonly TransportCounters _counters = new();

    private IActorRef ServerRef(int port)
    {
        var system = (ExtendedActorSystem)Sys;
        var transport = new DataPlaneTransport(system, new ProtocolSerializer(system), _counters, Sys.Log);
        return transport.To(Sys.ActorOf(Props.Create(() => new Silent()), "ps"), $"127.0.0.1:{port}");
    }

    [Fact]
    public async Task A_tell_returns_before_the_connection_opens_and_its_message_goes_out_once_it_does()
    {
        var (listener, filler) = ListenerThatDoesNotAcceptYet();
        using (listener)
        using (filler)
        {
            IActorRef server = ServerRef(((IPEndPoint)listener.LocalEndPoint!).Port);

            server.Tell(new PullWeights(1), TestActor);

            Assert.Equal(0, _counters.FramesSent);
            using (await listener.AcceptAsync().WaitAsync(s_wait))
            {
                // the filler: now the link's connection gets in
            }
            using Socket peer = await listener.AcceptAsync().WaitAsync(s_wait);
            var frames = await ReadFrames(peer, 1);
            Assert.Equal(("distnn.pull-weights", "/user/ps"), frames[0]);
        }
    }

    [Fact]
    public async Task Tells_beyond_what_the_socket_and_the_queue_hold_return_at_once_and_their_frames_arrive_in_order()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        IActorRef server = ServerRef(((IPEndPoint)listener.LocalEndPoint!).Port);
        server.Tell(new PullWeights(0), TestActor);
        using Socket peer = await listener.AcceptAsync().WaitAsync(s_wait);
        Assert.Single(await ReadFrames(peer, 1));

        // 24 pushes of 1.69 MB while the peer reads nothing: far more than its socket buffers and the 4 queued frames.
        const int pushes = 24;
        var gradient = new float[421_642];
        var senders = Enumerable.Range(0, pushes).Select(i => Sys.ActorOf(Props.Create(() => new Silent()), $"w{i}")).ToArray();
        var telling = Task.Run(() =>
        {
            for (int i = 0; i < pushes; i++)
            {
                server.Tell(new PushGradients($"w{i}", i, 1, i, 1, 0, [new ChunkValues(0, 0, gradient)], []), senders[i]);
            }
        });
        await telling.WaitAsync(s_wait);

        var frames = await ReadFrames(peer, pushes);
        Assert.All(frames, f => Assert.Equal(("distnn.push-gradients", "/user/ps"), f));
    }
}
