using System.Buffers;
using Akka.Actor;
using CsCheck;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using MessagePack;

namespace DistNN.Protocol.Tests;

/// <summary>An ActorSystem with the protocol serializer bound, and a few live actors for messages to name.</summary>
public sealed class SerializerSystem : IDisposable
{
    public SerializerSystem()
    {
        System = (ExtendedActorSystem)ActorSystem.Create("messages-spec", BootstrapSetup.Create().And(ProtocolSerializer.Setup));
        Actors = Enumerable.Range(0, 3).Select(i => System.ActorOf(Props.Create(() => new Sink()), $"sink-{i}")).ToArray();
        Serializer = (ProtocolSerializer)System.Serialization.FindSerializerForType(typeof(IDistNNMessage));
    }

    public ExtendedActorSystem System { get; }

    public IActorRef[] Actors { get; }

    public ProtocolSerializer Serializer { get; }

    public object RoundTrip(object message) =>
        Serializer.FromBinary(Serializer.ToBinary(message), Serializer.Manifest(message));

    public void Dispose() => System.Dispose();

    private sealed class Sink : ReceiveActor
    {
        public Sink() => ReceiveAny(_ => { });
    }
}

public class DistNNMessagesSpec(SerializerSystem fixture) : IClassFixture<SerializerSystem>
{
    private readonly Dictionary<Type, Gen<IDistNNMessage>> _generators =
        MessageGenerators.For([.. fixture.Actors, ActorRefs.Nobody, null]);

    public static TheoryData<string> MessageTypes() => new(MessageGenerators.AllMessageTypes().Select(t => t.Name));

    [Fact]
    public void Every_message_type_has_a_generator_and_a_distnn_manifest()
    {
        var types = MessageGenerators.AllMessageTypes().ToList();

        Assert.Equal(types.Select(t => t.Name), _generators.Keys.OrderBy(t => t.Name).Select(t => t.Name));
        Assert.All(types, t => Assert.StartsWith("distnn.", ProtocolMessageRegistry.Default.ManifestOf(t)));
    }

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Every_message_round_trips_through_the_ActorSystems_serializer(string typeName)
    {
        Gen<IDistNNMessage> messages = _generators.Single(kv => kv.Key.Name == typeName).Value;

        messages.Sample(m => MessageEquality.AssertSame(m, fixture.RoundTrip(m)), iter: 200, threads: 1);
    }

    [Fact]
    public void Actor_refs_come_back_as_the_same_actors_and_nobody_and_null_stay_themselves()
    {
        var init = new InitWorker(MessageGenerators.Plan.Single(), [fixture.Actors[1], ActorRefs.Nobody, null!, fixture.Actors[0]]);

        var back = (InitWorker)fixture.RoundTrip(init);

        Assert.Same(fixture.Actors[1], back.Servers[0]);
        Assert.Same(ActorRefs.Nobody, back.Servers[1]);
        Assert.Null(back.Servers[2]);
        Assert.Equal(fixture.Actors[0], back.Servers[3]);
    }

    [Fact]
    public void A_message_with_an_actor_ref_cannot_be_read_without_an_ActorSystem()
    {
        var systemless = new ProtocolSerializer(null, ProtocolMessageRegistry.Default, ProtocolLimits.Default,
            new LimitViolations(_ => { }));
        var register = new RegisterServer(fixture.Actors[0]);

        var e = Assert.ThrowsAny<System.Runtime.Serialization.SerializationException>(() =>
            systemless.FromBinary(systemless.ToBinary(register), "distnn.register-server"));

        Assert.Contains("needs the ActorSystem", e.Message);
    }

    [Fact]
    public void A_message_from_another_protocol_version_is_refused_with_a_clear_message()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(ProtocolVersion.Current + 1);
        MessagePackSerializer.Serialize(ref writer, new Evaluate(3), ProtocolSerializerOptions.Default);
        writer.Flush();

        var e = Assert.Throws<WireProtocolException>(() =>
            fixture.Serializer.FromBinary(buffer.WrittenSpan.ToArray(), "distnn.evaluate"));

        Assert.Equal(ViolationKind.VersionMismatch, e.Kind);
        Assert.Contains($"'distnn.evaluate' was written with protocol version {ProtocolVersion.Current + 1}, this node speaks {ProtocolVersion.Current}", e.Message);
        Assert.Contains("run the same DistNN version on every node", e.Message);
    }

    [Fact]
    public void An_actor_path_beyond_the_string_limit_is_refused()
    {
        var strict = new ProtocolSerializer(fixture.System, ProtocolMessageRegistry.Default,
            ProtocolLimits.Default with { MaxStringBytes = 16 }, new LimitViolations(_ => { }));
        byte[] bytes = strict.ToBinary(new RegisterServer(fixture.Actors[0]));

        var e = Assert.Throws<WireProtocolException>(() => strict.FromBinary(bytes, "distnn.register-server"));

        Assert.Equal(ViolationKind.StringTooLong, e.Kind);
    }
}
