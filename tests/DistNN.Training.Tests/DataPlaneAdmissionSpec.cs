using System.Net.Sockets;
using Akka.Actor;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Actors;
using DistNN.Training.Carriers;
using DistNN.Training.Plan;
using DistNN.Transport;
using DistNN.Transport.DataPlane;

namespace DistNN.Training.Tests;

/// <summary>
/// The data plane accepts only what it exists for: pushes, pulls and idle notices to a server it serves, with a credential
/// the run's coordinator issued, a push in the credential's own name. Each attack is a raw socket from this test writing
/// one frame; it is refused, counted, its connection closed, and the server's weights stay as they were.
/// </summary>
public sealed class DataPlaneAdmissionSpec : IAsyncDisposable
{
    private static readonly TimeSpan s_reply = TimeSpan.FromSeconds(20);

    private readonly TwoNodes _nodes = new();
    private readonly ProtocolSerializer _serializer;
    private IActorRef _server = ActorRefs.Nobody;
    private WeightsReply _initial = null!;

    public DataPlaneAdmissionSpec()
    {
        _serializer = new ProtocolSerializer((ExtendedActorSystem)_nodes.B);
    }

    private TransportCounters Counters => TensorTransports.Get(_nodes.A).Counters;

    private async Task StartServer()
    {
        var plan = TestData.Plan(mode: ConsistencyMode.Async) with { Carrier = TensorCarrierKind.Dataplane };
        _server = _nodes.A.ActorOf(ParameterServer.Props(null), "ps");
        await _server.Ask<ServerReady>(new InitServer(plan.ToMessage(), 0, 1, _nodes.Key), s_reply);
        _server.Tell(new LiveWorkers(["w0", "w1"]));
        _initial = await _server.Ask<WeightsReply>(new PullWeights(1), s_reply);
    }

    private PushGradients Push(string worker, long step, float value, bool chunks = true) =>
        new(worker, step, 1, 0, 16, 0,
            chunks ? _initial.Weights.Select(w => new ChunkValues(w.ChunkId, 0, Enumerable.Repeat(value, w.Values.Length).ToArray())).ToList() : [], []);

    /// <summary>Writes one frame on a fresh connection; true if the server then closes it (within a few seconds).</summary>
    private async Task<bool> SendAndSeeClosed(string target, object message, DataPlaneCredential? credential)
    {
        int port = int.Parse(TensorTransports.Get(_nodes.A).DataPlane.Endpoint.Split(':')[1]);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", port);
        using (var frame = new FrameWriter())
        {
            MessageFrame.Write(frame, _serializer, target, 1, message, credential);
            await socket.SendAsync(frame.Frame, SocketFlags.None);
        }
        var buffer = new byte[1 << 16];
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task AssertWeightsUnchanged()
    {
        var now = await _server.Ask<WeightsReply>(new PullWeights(2), s_reply);
        Assert.True(now.Weights.Zip(_initial.Weights).All(p => p.First.Values.Span.SequenceEqual(p.Second.Values.Span)), "the weights changed");
    }

    [Fact]
    public async Task A_pull_without_a_credential_is_refused_counted_and_its_connection_closed()
    {
        await StartServer();

        Assert.True(await SendAndSeeClosed("/user/ps", new PullWeights(3), credential: null));

        Assert.Equal(1, Counters.RefusedOf(DataPlaneRefusal.Credential));
    }

    [Fact]
    public async Task A_push_from_an_identity_the_coordinator_never_registered_is_refused_and_the_weights_stay()
    {
        await StartServer();
        var forged = DataPlaneCredential.Issue(DataPlaneCredential.NewKey(), "w0");

        Assert.True(await SendAndSeeClosed("/user/ps", Push("w0", 1_000_000_000_000, 1f), forged));
        Assert.True(await SendAndSeeClosed("/user/ps", Push("w0", 2, float.NaN), forged));
        Assert.True(await SendAndSeeClosed("/user/ps", Push("w0", 3, 0f, chunks: false), credential: null));

        Assert.Equal(3, Counters.RefusedOf(DataPlaneRefusal.Credential));
        await AssertWeightsUnchanged();
    }

    [Fact]
    public async Task A_registered_worker_cannot_push_in_another_workers_name()
    {
        await StartServer();

        Assert.True(await SendAndSeeClosed("/user/ps", Push("w0", 1_000_000_000_000, 1f), _nodes.Credential("w1")));

        Assert.Equal(1, Counters.RefusedOf(DataPlaneRefusal.Credential));
        await AssertWeightsUnchanged();
    }

    [Fact]
    public async Task A_frame_to_an_actor_that_is_not_a_served_parameter_server_is_refused()
    {
        await StartServer();
        var probe = _nodes.A.ActorOf(Props.Create(() => new Silent()), "node");

        Assert.True(await SendAndSeeClosed("/user/node", new PullWeights(4), _nodes.Credential("w0")));
        Assert.True(await SendAndSeeClosed("/user/node", new LeaveCluster("attack", true), _nodes.Credential("w0")));

        Assert.Equal(1, Counters.RefusedOf(DataPlaneRefusal.Target));
        Assert.Equal(1, Counters.RefusedOf(DataPlaneRefusal.MessageType));
        Assert.False(probe.IsNobody());
    }

    [Fact]
    public async Task A_push_with_the_credential_the_coordinator_issued_is_applied()
    {
        await StartServer();
        int port = int.Parse(TensorTransports.Get(_nodes.A).DataPlane.Endpoint.Split(':')[1]);
        var plan = TestData.Plan(mode: ConsistencyMode.Async) with { Carrier = TensorCarrierKind.Dataplane };
        var proxy = TensorRouting.Route(_nodes.B, [_nodes.OfAFromB("ps")], [$"127.0.0.1:{port}"], plan, _nodes.Credential("w0"))[0];

        var reply = await proxy.Ask<PushReply>(Push("w0", 1, 0.5f), s_reply);

        Assert.True(reply.Applied);
        Assert.Equal(0, Counters.Refused);
    }

    private sealed class Silent : ReceiveActor
    {
        public Silent() => ReceiveAny(_ => { });
    }

    public async ValueTask DisposeAsync() => await _nodes.DisposeAsync();
}
