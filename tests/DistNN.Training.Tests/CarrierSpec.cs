using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Carriers;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;
using DistNN.Protocol.Codecs;
using DistNN.Transport;
using DistNN.Transport.DataPlane;

namespace DistNN.Training.Tests;

/// <summary>
/// Tensor messages between a parameter server in ActorSystem A and a worker side in ActorSystem B (Akka.Remote on
/// loopback): over the data plane and over Akka.Remote in pieces, compared with the same messages in one system.
/// </summary>
public class CarrierSpec
{
    private static readonly TimeSpan s_reply = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(2);

    private static async Task<IActorRef> StartServer(TwoNodes nodes, string name, TrainingPlan plan, string worker)
    {
        var server = nodes.A.ActorOf(ParameterServer.Props(null), name);
        await server.Ask<ServerReady>(new InitServer(plan.ToMessage(), 0, 1, nodes.Key), s_reply);
        server.Tell(new LiveWorkers([worker]));
        return server;
    }

    /// <summary>A gradient of seeded random values for every weight chunk of the server.</summary>
    private static PushGradients Gradients(WeightsReply weights, string worker)
    {
        var random = new Random(5);
        var chunks = weights.Weights.Select(w =>
            new ChunkValues(w.ChunkId, 0, Enumerable.Range(0, w.Values.Length).Select(_ => random.NextSingle() - 0.5f).ToArray())).ToList();
        return new PushGradients(worker, 1, 1, 0, 32, 0, chunks, []);
    }

    private static float[] Flat(IReadOnlyList<ChunkValues> values) => values.SelectMany(v => v.Values.ToArray()).ToArray();

    private static bool BitIdentical(float[] a, float[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));

    [Theory]
    [InlineData(TensorCarrierKind.Dataplane)]
    [InlineData(TensorCarrierKind.Remote)]
    public async Task A_push_pull_of_the_cnns_size_from_another_node_returns_the_weights_of_the_same_push_in_one_system(TensorCarrierKind carrier)
    {
        await using var nodes = new TwoNodes();
        var plan = TestData.Plan(ModelPresets.Get("cnn")) with { Carrier = carrier };
        var inProcess = await StartServer(nodes, "ps-in-process", plan, "w");
        var remote = await StartServer(nodes, "ps-remote", plan, "w");
        var initial = await inProcess.Ask<WeightsReply>(new PullWeights(1), s_reply);
        var push = Gradients(initial, "w");
        var expected = await inProcess.Ask<PushReply>(push, s_reply);

        var carrierB = TensorTransports.Get(nodes.B).Counters;
        var proxy = TensorRouting.Route(nodes.B, [nodes.OfAFromB("ps-remote")], [TensorTransports.Get(nodes.A).DataPlane.Endpoint], plan, nodes.Credential("w"))[0];
        var pulled = await proxy.Ask<WeightsReply>(new PullWeights(7), s_reply);
        var reply = await proxy.Ask<PushReply>(push, s_reply);

        Assert.NotEqual(remote, proxy);
        if (carrier == TensorCarrierKind.Dataplane)
        {
            Assert.Equal((2, 0), (carrierB.FramesSent, carrierB.PiecesSent));
            // The replies' weights (1.69 MB each) came from the socket straight into the worker's receive arrays, but for
            // what the first read of a frame took before the scanner found them.
            Assert.InRange(carrierB.DataPlaneBytesPlaced, 2 * 4 * 421_642 * 9 / 10, 2 * 4 * 421_642);
        }
        else
        {
            // The push is 1.69 MB: 26 pieces of 64 KiB (the pull is one).
            Assert.Equal((0, 1 + 26), (carrierB.FramesSent, carrierB.PiecesSent));
        }
        Assert.Equal(421_642, Flat(expected.Weights).Length);
        Assert.Equal(7, pulled.RequestId);
        Assert.True(BitIdentical(Flat(initial.Weights), Flat(pulled.Weights)), "pulled weights differ");
        Assert.True(expected.Applied && reply.Applied);
        Assert.Equal(expected.Weights.Select(w => (w.ChunkId, w.Version)), reply.Weights.Select(w => (w.ChunkId, w.Version)));
        Assert.True(BitIdentical(Flat(expected.Weights), Flat(reply.Weights)), "weights after the push differ");
    }

    [Theory]
    [InlineData(TensorCarrierKind.Dataplane, "fp16")]
    [InlineData(TensorCarrierKind.Dataplane, "int8")]
    [InlineData(TensorCarrierKind.Dataplane, "topk:0.01")]
    [InlineData(TensorCarrierKind.Remote, "int8")]
    public async Task A_compressed_push_crosses_nodes_as_its_encoded_bytes_and_the_server_applies_the_workers_decoded_gradient(
        TensorCarrierKind carrier, string compression)
    {
        await using var nodes = new TwoNodes();
        var plan = TestData.Plan(ModelPresets.Get("cnn")) with { Carrier = carrier };
        var inProcess = await StartServer(nodes, "ps-in-process", plan, "w");
        await StartServer(nodes, "ps-remote", plan, "w");
        var initial = await inProcess.Ask<WeightsReply>(new PullWeights(1), s_reply);
        var raw = Gradients(initial, "w");
        var compressor = GradientCompressor.For(Compression.Parse(compression))!;
        var push = raw with
        {
            Gradients = raw.Gradients.Select(g =>
            {
                float[] values = g.Values.ToArray();
                var encoded = compressor.Apply(new Parameters.ParameterChunk(g.ChunkId, g.ChunkId, "g", 0, values.Length, true, false, 0), values);
                return new ChunkValues(g.ChunkId, 0, values) { Encoded = encoded };
            }).ToList(),
        };
        // The server in A's own system (its messages cross the serializer too, as in every actor spec).
        var expected = await nodes.A.ActorSelection("/user/ps-in-process").Ask<PushReply>(push with { }, s_reply);

        var carrierB = TensorTransports.Get(nodes.B).Counters;
        var proxy = TensorRouting.Route(nodes.B, [nodes.OfAFromB("ps-remote")], [TensorTransports.Get(nodes.A).DataPlane.Endpoint], plan, nodes.Credential("w"))[0];
        await proxy.Ask<WeightsReply>(new PullWeights(7), s_reply);
        long bytesBefore = carrier == TensorCarrierKind.Dataplane ? carrierB.DataPlaneBytesSent : carrierB.PieceBytesSent;
        var reply = await proxy.Ask<PushReply>(push, s_reply);
        long pushBytes = (carrier == TensorCarrierKind.Dataplane ? carrierB.DataPlaneBytesSent : carrierB.PieceBytesSent) - bytesBefore;

        long encodedBytes = push.Gradients.Sum(g => (long)g.Encoded!.Bytes);
        Assert.InRange(pushBytes, encodedBytes, encodedBytes + 300);
        Assert.True(expected.Applied && reply.Applied);
        Assert.True(BitIdentical(Flat(expected.Weights), Flat(reply.Weights)), "the server on the other node applied another gradient");
    }

    [Fact]
    public async Task WithTensorDataPlane_starts_a_listener_whose_endpoint_a_parameter_server_announces()
    {
        using var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddAkka("data-plane-hosting", builder => builder
                .WithDistNNDispatchers(1).WithDistNNSerializer().WithTensorDataPlane("127.0.0.1", 0)))
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var coordinator = new TaskCompletionSource<RegisterServer>(TaskCreationOptions.RunContinuationsAsynchronously);
            var probe = system.ActorOf(Props.Create(() => new Forward<RegisterServer>(coordinator)));

            system.ActorOf(ParameterServer.Props(probe));
            var register = await coordinator.Task.WaitAsync(s_reply);

            string endpoint = TensorTransports.Get(system).DataPlane.Endpoint;
            Assert.Equal(TensorTransports.Get(system).DataPlane.Announcement, register.DataPlane);
            Assert.Equal(endpoint, DataPlaneAddress.Parse(register.DataPlane).Tcp);
            Assert.StartsWith("127.0.0.1:", endpoint);
            Assert.NotEqual(0, int.Parse(endpoint["127.0.0.1:".Length..]));
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync("127.0.0.1", int.Parse(endpoint["127.0.0.1:".Length..]));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private sealed class Forward<T> : ReceiveActor
    {
        public Forward(TaskCompletionSource<T> to) => Receive<T>(m => to.TrySetResult(m));
    }

    [Fact]
    public async Task The_data_plane_carrier_needs_an_announced_endpoint_and_says_so()
    {
        await using var nodes = new TwoNodes();
        var plan = TestData.Plan();

        var error = Assert.Throws<InvalidOperationException>(() =>
            TensorRouting.Route(nodes.B, [nodes.OfAFromB("ps")], [""], plan));

        Assert.Contains("announced no tensor data-plane endpoint", error.Message);
    }

    [Theory]
    [InlineData(TensorCarrierKind.Dataplane, "none")]
    [InlineData(TensorCarrierKind.Remote, "none")]
    [InlineData(TensorCarrierKind.Dataplane, "int8")]
    [InlineData(TensorCarrierKind.Remote, "topk:0.05")]
    public async Task A_run_with_its_worker_on_another_node_processes_every_sample_and_ends_where_one_system_ends(TensorCarrierKind carrier,
        string compression)
    {
        await using var nodes = new TwoNodes();
        var data = TestData.BarsSource(320, 64);
        var plan = TestData.Plan(optimizer: "adam", lr: 1e-3f, epochs: 2) with { Carrier = carrier, Compression = Compression.Parse(compression) };

        var oneSystem = new TrainingRun(plan, data);
        TrainingHosting.StartActors(nodes.A, oneSystem, "local-");
        var (expected, expectedModel) = (await oneSystem.Completion.Task.WaitAsync(s_run), oneSystem.FinalModel!);

        var split = new TrainingRun(plan, data);
        TrainingHosting.StartCoordinatorAndServers(nodes.A, split, "split-");
        TrainingHosting.StartWorkers(nodes.B, nodes.OfAFromB("split-coordinator"), split, "split-");
        var summary = await split.Completion.Task.WaitAsync(s_run);
        var carrierB = TensorTransports.Get(nodes.B).Counters;

        Assert.True((carrier == TensorCarrierKind.Dataplane ? carrierB.FramesSent : carrierB.PiecesSent) > 20,
            $"B sent {carrierB.FramesSent} frames and {carrierB.PiecesSent} pieces");

        Assert.Equal(summary.SamplesExpected, summary.SamplesProcessed);
        Assert.Equal(summary.SamplesExpected, summary.SamplesApplied);
        Assert.Equal(expected.SamplesProcessed, summary.SamplesProcessed);
        for (int p = 0; p < expectedModel.Parameters.Count; p++)
        {
            Assert.True(BitIdentical(expectedModel.Parameters[p].Value.Span.ToArray(), split.FinalModel!.Parameters[p].Value.Span.ToArray()),
                $"parameter {expectedModel.Parameters[p].Name} differs from the run in one system");
        }
    }
}
