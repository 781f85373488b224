using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;

namespace DistNN.Training.Tests;

/// <summary>
/// A run without standbys fails when a worker loses a request to a server (<see cref="ServerUnreachable"/>). When the
/// server's data plane refused the connection, nothing listens there: its node's process is gone, and the failure names
/// that node (<see cref="TrainingFailedException.Gone"/>) so that a cluster's coordinator downs it before the other nodes
/// leave, instead of their leave waiting for the failure detector. Any other loss (a deadline, a timeout, an endpoint no
/// server has) names no node: it may be paused or cut off, and come back.
/// </summary>
public class GoneServerSpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(30);

    public GoneServerSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Theory]
    [InlineData("127.0.0.1:5102", true, 1)]
    [InlineData("127.0.0.1:5101", true, 0)]
    [InlineData("127.0.0.1:5102", false, -1)]
    [InlineData("127.0.0.1:5999", true, -1)]
    [InlineData("", true, -1)]
    public async Task A_server_whose_data_plane_refused_the_connection_is_named_gone_with_the_failure(string endpoint, bool refused, int gone)
    {
        var done = new TaskCompletionSource<TrainingSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = Sys.ActorOf(Coordinator.Props(TestData.Plan(workers: 1, servers: 2), TestData.BarsSource(64, 10), null, done));
        var servers = new[] { CreateTestProbe(), CreateTestProbe() };
        for (int i = 0; i < servers.Length; i++)
        {
            coordinator.Tell(new RegisterServer(servers[i].Ref, $"127.0.0.1:510{i + 1}"), servers[i].Ref);
        }
        var worker = CreateTestProbe();
        string reason = $"worker w0: cannot connect to the tensor data plane at {endpoint}: {(refused ? "Connection refused" : "no connection within 5 s")}";

        coordinator.Tell(new ServerUnreachable(reason, endpoint, refused), worker.Ref);

        var failed = await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_run));
        Assert.Equal(reason, failed.Message);
        if (gone < 0)
        {
            Assert.Null(failed.Gone);
            return;
        }
        Assert.NotNull(failed.Gone);
        Assert.Equal(servers[gone].Ref.Path.Address, failed.Gone.Address);
        Assert.Equal($"the node of parameter server {gone}, whose data plane at {endpoint} refused a connection: its process is gone", failed.Gone.Why);
    }
}
