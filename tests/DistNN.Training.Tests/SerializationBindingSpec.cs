using Akka.Actor;
using Akka.Hosting;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistNN.Training.Tests;

public class SerializationBindingSpec : TestKit
{
    public SerializationBindingSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public void Actor_specs_send_every_DistNN_message_through_the_protocol_serializer()
    {
        Assert.True(Sys.Settings.SerializeAllMessages);
        Assert.IsType<ProtocolSerializer>(Sys.Serialization.FindSerializerFor(new Evaluate(1)));
    }

    [Fact]
    public void A_push_sent_in_process_arrives_as_a_copy_with_the_same_values()
    {
        float[] gradient = [1f, float.NaN, -0f];
        var probe = CreateTestProbe();

        probe.Ref.Tell(new PushGradients("w", 1, 1, 0, 32, 0, [new ChunkValues(3, 0, gradient)], []), TestActor);

        var got = probe.ExpectMsg<PushGradients>().Gradients[0];
        Assert.Equal(3, got.ChunkId);
        Assert.Equal(gradient, got.Values.ToArray());
        gradient[0] = 2f;
        Assert.Equal(1f, got.Values.Span[0]);
    }

    [Fact]
    public void An_actor_ref_inside_a_message_resolves_to_the_same_actor()
    {
        var probe = CreateTestProbe();

        probe.Ref.Tell(new InitWorker(TestData.Plan().ToMessage(), [TestActor, probe.Ref]));

        var init = probe.ExpectMsg<InitWorker>();
        Assert.Equal([TestActor, probe.Ref], init.Servers);
        init.Servers[0].Tell(new WorkerReady("back"));
        Assert.Equal("back", ExpectMsg<WorkerReady>().Name);
    }

    [Fact]
    public async Task Akka_Hosting_binds_the_protocol_serializer_with_WithDistNNSerializer()
    {
        using var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddAkka("binding-spec", builder => builder.WithDistNNSerializer()))
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            var push = new PushReply(7, true, [new ChunkValues(0, 2, new float[] { 1, 2 })], []);

            var serializer = system.Serialization.FindSerializerFor(push);
            var back = (PushReply)system.Serialization.Deserialize(serializer.ToBinary(push), serializer.Identifier,
                Akka.Serialization.Serialization.ManifestFor(serializer, push));

            Assert.IsType<ProtocolSerializer>(serializer);
            Assert.Equal((7L, true, 2L), (back.Step, back.Applied, back.Weights[0].Version));
            Assert.Equal([1f, 2f], back.Weights[0].Values.ToArray());
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
