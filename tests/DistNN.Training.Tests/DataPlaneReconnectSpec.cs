using System.Threading.Channels;
using Akka.Actor;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Carriers;
using DistNN.Training.Plan;
using DistNN.Transport;

namespace DistNN.Training.Tests;

/// <summary>
/// A data-plane connection that drops (socket reset, server node gone) while a push waits for its reply: the push is
/// sent again on a new connection and answered once, the next push-pull works; with no server to reconnect to, the
/// requester is told the request failed instead of waiting forever.
/// </summary>
public class DataPlaneReconnectSpec
{
    private static readonly TimeSpan s_reply = TimeSpan.FromSeconds(20);

    /// <summary>Collects whatever it is sent.</summary>
    private sealed class Collector : ReceiveActor
    {
        public Collector(ChannelWriter<object> to) => ReceiveAny(m => to.TryWrite(m));
    }

    private static PushGradients Push(string worker, long step, WeightsReply weights) =>
        new(worker, step, 1, (int)(2 * step + (worker == "w" ? 0 : 1)), 16,
            0, weights.Weights.Select(w => new ChunkValues(w.ChunkId, 0, Enumerable.Repeat(0.01f * step, w.Values.Length).ToArray())).ToList(), []);

    /// <summary>A sync server in A with live workers "w" (in B, over the data plane) and "other" (in A).</summary>
    private static async Task<(IActorRef Server, IActorRef Proxy, WeightsReply Initial)> Start(TwoNodes nodes)
    {
        var plan = TestData.Plan(mode: ConsistencyMode.Sync) with { Carrier = TensorCarrierKind.Dataplane };
        var server = nodes.A.ActorOf(ParameterServer.Props(null), "ps");
        await server.Ask<ServerReady>(new InitServer(plan.ToMessage(), 0, 1, nodes.Key), s_reply);
        server.Tell(new LiveWorkers(["w", "other"]));
        var proxy = TensorRouting.Route(nodes.B, [nodes.OfAFromB("ps")], [TensorTransports.Get(nodes.A).DataPlane.Endpoint], plan, nodes.Credential("w"))[0];
        var initial = await proxy.Ask<WeightsReply>(new PullWeights(1), s_reply);
        return (server, proxy, initial);
    }

    [Fact]
    public async Task A_push_waiting_for_its_sync_round_when_the_connection_drops_is_answered_once_and_the_next_push_pull_works()
    {
        await using var nodes = new TwoNodes();
        var (server, proxy, initial) = await Start(nodes);
        var replies = Channel.CreateUnbounded<object>();
        var worker = nodes.B.ActorOf(Props.Create(() => new Collector(replies.Writer)));
        var carrierB = TensorTransports.Get(nodes.B).Counters;

        // Step 1 of "w" waits at the server for "other"; the connection is reset under it.
        proxy.Tell(Push("w", 1, initial), worker);
        DataPlaneConnectionSpecHelpers.WaitUntil(() => carrierB.DataPlaneBytesSent > 0);
        TensorTransports.Get(nodes.A).DataPlane.DropConnections();
        var other1 = await server.Ask<PushReply>(Push("other", 1, initial), s_reply);

        // The round is applied once, with both pushes. Whether the reply to "w" is the round's own (the repeat reached
        // the server first) or the answer to a repeat that came after the round (Applied = false: it applied nothing),
        // it carries the weights after the round.
        var reply1 = Assert.IsType<PushReply>(await replies.Reader.ReadAsync().AsTask().WaitAsync(s_reply));
        Assert.Equal(1L, reply1.Step);
        Assert.True(other1.Applied);
        Assert.Equal(other1.Weights.Select(w => (w.ChunkId, w.Version)), reply1.Weights.Select(w => (w.ChunkId, w.Version)));
        Assert.All(other1.Weights, w => Assert.Equal(1L, w.Version));

        // The next round goes through a new connection.
        proxy.Tell(Push("w", 2, initial), worker);
        var other2 = await server.Ask<PushReply>(Push("other", 2, initial), s_reply);
        var reply2 = Assert.IsType<PushReply>(await replies.Reader.ReadAsync().AsTask().WaitAsync(s_reply));

        Assert.Equal((2L, true), (reply2.Step, reply2.Applied));
        Assert.True(other2.Applied);
        Assert.Equal(other2.Weights.Select(w => w.Version), reply2.Weights.Select(w => w.Version));
        Assert.False(replies.Reader.TryRead(out object? extra), $"a second reply arrived: {extra}");
    }

    [Fact]
    public async Task Both_parts_of_a_push_waiting_for_their_sync_rounds_when_the_connection_drops_are_sent_again_and_answered_once_each()
    {
        await using var nodes = new TwoNodes();
        var (server, proxy, initial) = await Start(nodes);
        var replies = Channel.CreateUnbounded<object>();
        var worker = nodes.B.ActorOf(Props.Create(() => new Collector(replies.Writer)));
        var carrierB = TensorTransports.Get(nodes.B).Counters;
        PushGradients whole = Push("w", 1, initial);
        var parts = new[]
        {
            whole with { Gradients = whole.Gradients.Where(g => g.ChunkId >= 2).ToList(), Part = 0, Parts = 2 },
            whole with { Gradients = whole.Gradients.Where(g => g.ChunkId < 2).ToList(), Part = 1, Parts = 2 },
        };

        // Both parts of "w" wait at the server for "other"; the connection is reset under them.
        proxy.Tell(parts[0], worker);
        proxy.Tell(parts[1], worker);
        DataPlaneConnectionSpecHelpers.WaitUntil(() => carrierB.DataPlaneBytesSent > 4 * 784 * 16);
        TensorTransports.Get(nodes.A).DataPlane.DropConnections();
        var other = await server.Ask<PushReply>(Push("other", 1, initial), s_reply);

        var first = Assert.IsType<PushReply>(await replies.Reader.ReadAsync().AsTask().WaitAsync(s_reply));
        var second = Assert.IsType<PushReply>(await replies.Reader.ReadAsync().AsTask().WaitAsync(s_reply));
        Assert.Equal([0, 1], new[] { first.Part, second.Part }.Order());
        Assert.Equal(other.Weights.Select(w => (w.ChunkId, w.Version)),
            first.Weights.Concat(second.Weights).OrderBy(w => w.ChunkId).Select(w => (w.ChunkId, w.Version)));
        Assert.All(other.Weights, w => Assert.Equal(1L, w.Version));
        Assert.False(replies.Reader.TryRead(out object? extra), $"a third reply arrived: {extra}");
    }

    [Fact]
    public async Task A_push_whose_server_node_is_gone_fails_with_the_reason_instead_of_waiting_forever()
    {
        await using var nodes = new TwoNodes();
        var (_, proxy, initial) = await Start(nodes);
        var replies = Channel.CreateUnbounded<object>();
        var worker = nodes.B.ActorOf(Props.Create(() => new Collector(replies.Writer)));

        proxy.Tell(Push("w", 1, initial), worker);
        DataPlaneConnectionSpecHelpers.WaitUntil(() => TensorTransports.Get(nodes.B).Counters.DataPlaneBytesSent > 0);
        await nodes.A.Terminate();

        var failed = Assert.IsType<TensorRequestFailed>(await replies.Reader.ReadAsync().AsTask().WaitAsync(s_reply));
        Assert.Contains("could not be opened again", failed.Reason);
        // Nothing listens there any more: the attempts end with the first refusal, and the failure says so.
        Assert.EndsWith("Connection refused", failed.Reason);
        Assert.True(failed.Refused);
    }
}

internal static class DataPlaneConnectionSpecHelpers
{
    public static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 10 s");
            Thread.Sleep(5);
        }
    }
}
