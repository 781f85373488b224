using Akka.Actor;
using Akka.Configuration;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Carriers;
using DistNN.Training.Configuration;
using DistNN.Training.Plan;
using DistNN.Transport;
using DistNN.Transport.DataPlane;

namespace DistNN.Training.Tests;

/// <summary>
/// With distnn.data-plane.local-socket = auto, a worker node on the host of a server node reaches the server's data plane
/// through the Unix domain socket the server announces, not TCP; with off (the default) on either side, or a socket it
/// cannot reach or that another host announced, it uses TCP. The server's socket file goes with its node.
/// </summary>
public class LocalSocketRouteSpec
{
    private static readonly TimeSpan s_reply = TimeSpan.FromSeconds(20);

    private static readonly Config Auto = DistNNReference.Values((DataPlaneSettings.Section + ".local-socket", "auto"));

    /// <summary>A server in A; B pulls its weights through the route announced as <paramref name="announce"/> says (default: A's announcement).</summary>
    private static async Task<TransportCounters> Pull(TwoNodes nodes, Func<string, string>? announce = null)
    {
        var plan = TestData.Plan(mode: ConsistencyMode.Sync) with { Carrier = TensorCarrierKind.Dataplane };
        var server = nodes.A.ActorOf(ParameterServer.Props(null), "ps");
        await server.Ask<ServerReady>(new InitServer(plan.ToMessage(), 0, 1, nodes.Key), s_reply);
        string announcement = TensorTransports.Get(nodes.A).DataPlane.Announcement;
        var proxy = TensorRouting.Route(nodes.B, [nodes.OfAFromB("ps")], [announce?.Invoke(announcement) ?? announcement], plan,
            nodes.Credential("w"))[0];
        var reply = await proxy.Ask<WeightsReply>(new PullWeights(1), s_reply);
        Assert.NotEmpty(reply.Weights);
        return TensorTransports.Get(nodes.B).Counters;
    }

    [Fact]
    public async Task A_worker_node_on_the_servers_host_pulls_over_the_announced_local_socket_which_goes_with_the_server_node()
    {
        var nodes = new TwoNodes(Auto, Auto);
        string path;
        try
        {
            var counters = await Pull(nodes);
            DataPlaneTransport dataPlane = TensorTransports.Get(nodes.A).DataPlane;
            path = dataPlane.LocalSocketPath!;

            Assert.Equal((1L, 1L), (counters.DataPlaneConnectionsOpened, counters.DataPlaneLocalSocketConnectionsOpened));
            Assert.Equal(new DataPlaneAddress("127.0.0.1", DataPlaneAddress.Parse(dataPlane.Endpoint).Port, HostIdentity.Current, path),
                DataPlaneAddress.Parse(dataPlane.Announcement));
            Assert.True(File.Exists(path));
        }
        finally
        {
            await nodes.DisposeAsync();
        }

        Assert.False(File.Exists(path), "the local socket outlived its node");
    }

    [Fact]
    public async Task With_the_local_socket_off_on_the_worker_node_it_pulls_over_tcp()
    {
        await using var nodes = new TwoNodes(a: Auto);

        var counters = await Pull(nodes);

        Assert.Equal((1L, 0L), (counters.DataPlaneConnectionsOpened, counters.DataPlaneLocalSocketConnectionsOpened));
    }

    [Fact]
    public async Task With_the_local_socket_off_on_the_server_node_it_listens_and_announces_tcp_alone()
    {
        await using var nodes = new TwoNodes(b: Auto);

        var counters = await Pull(nodes);

        DataPlaneTransport dataPlane = TensorTransports.Get(nodes.A).DataPlane;
        Assert.Null(dataPlane.LocalSocketPath);
        Assert.Equal(dataPlane.Endpoint, dataPlane.Announcement);
        Assert.Equal((1L, 0L), (counters.DataPlaneConnectionsOpened, counters.DataPlaneLocalSocketConnectionsOpened));
    }

    [Fact]
    public async Task An_announced_socket_this_node_cannot_see_falls_back_to_tcp()
    {
        await using var nodes = new TwoNodes(Auto, Auto);

        var counters = await Pull(nodes, announced => (DataPlaneAddress.Parse(announced) with
        {
            SocketPath = Path.Combine(Path.GetTempPath(), "distnn-no-such-dir", "ps.sock"),
        }).ToString());

        Assert.Equal((1L, 0L), (counters.DataPlaneConnectionsOpened, counters.DataPlaneLocalSocketConnectionsOpened));
    }

    [Fact]
    public async Task A_socket_announced_from_another_host_or_mount_namespace_is_not_taken_even_if_its_path_exists_here()
    {
        await using var nodes = new TwoNodes(Auto, Auto);

        var counters = await Pull(nodes, announced => (DataPlaneAddress.Parse(announced) with
        {
            HostId = "00000000-0000-0000-0000-000000000000/1",
        }).ToString());

        Assert.Equal((1L, 0L), (counters.DataPlaneConnectionsOpened, counters.DataPlaneLocalSocketConnectionsOpened));
    }
}
