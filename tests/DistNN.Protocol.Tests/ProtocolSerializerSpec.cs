using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using MessagePack;

namespace DistNN.Protocol.Tests;

public class ProtocolSerializerSpec
{
    private readonly List<string> _log = [];
    private readonly LimitViolations _violations;
    private readonly ProtocolSerializer _serializer;

    public ProtocolSerializerSpec()
    {
        _violations = new LimitViolations(_log.Add);
        _serializer = new ProtocolSerializer(null, Registry(), ProtocolLimits.Default, _violations);
    }

    internal static ProtocolMessageRegistry Registry() => new ProtocolMessageRegistry()
        .Register<ExamplePushGradients>("push")
        .Register<ExampleHello>("hello");

    internal static ExamplePushGradients SamplePush() => new(3, 42,
    [
        new ChunkValues(0, 1, new float[] { 1, 2, 3, 4, float.NaN, -0f }),
        CompressedChunks.Make(1, [0.5f, -1, 2], Compression.Fp16),
        CompressedChunks.Make(2, [1f, -5f, 0.25f, 3f], Compression.TopK(0.5)),
    ]);

    [Fact]
    public void Push_with_tensor_chunks_round_trips()
    {
        ExamplePushGradients push = SamplePush();
        var back = (ExamplePushGradients)_serializer.FromBinary(_serializer.ToBinary(push), _serializer.Manifest(push));
        Assert.Equal((3, 42L, 3), (back.Worker, back.Step, back.Chunks.Length));
        Assert.True(TestData.BitwiseEqual(push.Chunks[0].Values.Span, back.Chunks[0].Values.Span));
        Assert.Equal([0.5f, -1, 2], back.Chunks[1].Values.ToArray());
        Assert.Equal([0f, -5f, 0f, 3f], back.Chunks[2].Values.ToArray());
        Assert.Equal(2, back.Chunks[2].ChunkId);
    }

    [Fact]
    public void Message_from_another_protocol_version_is_refused_naming_both_versions()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(ProtocolVersion.Current + 1);
        MessagePackSerializer.Serialize(ref writer, new ExampleHello("n", [], []), ProtocolSerializerOptions.Default);
        writer.Flush();

        var e = Assert.Throws<WireProtocolException>(() => _serializer.FromBinary(buffer.WrittenSpan.ToArray(), "hello"));
        Assert.IsAssignableFrom<SerializationException>(e);
        Assert.Contains($"protocol version {ProtocolVersion.Current + 1}, this node speaks {ProtocolVersion.Current}", e.Message);
        Assert.Equal(1, _violations.CountOf(ViolationKind.VersionMismatch));
    }

    [Fact]
    public void Unknown_manifest_is_a_serialization_exception()
    {
        byte[] bytes = _serializer.ToBinary(new ExampleHello("n", [], []));
        var e = Assert.ThrowsAny<SerializationException>(() => _serializer.FromBinary(bytes, "no-such-message"));
        Assert.Contains("unknown message manifest 'no-such-message'", e.Message);
    }

    [Fact]
    public void Unregistered_type_cannot_be_sent()
    {
        Assert.Throws<ArgumentException>(() => new ProtocolSerializer(null, new ProtocolMessageRegistry(),
            ProtocolLimits.Default, _violations).Manifest(new ExampleHello("n", [], [])));
    }

    [Fact]
    public void Registering_one_manifest_for_two_types_fails()
    {
        var registry = new ProtocolMessageRegistry().Register<ExampleHello>("m");
        Assert.Throws<InvalidOperationException>(() => registry.Register<ExamplePushGradients>("m"));
    }

    [Theory]
    [InlineData(nameof(ProtocolLimits.MaxStringBytes), ViolationKind.StringTooLong)]
    [InlineData(nameof(ProtocolLimits.MaxCollectionCount), ViolationKind.CollectionTooLarge)]
    [InlineData(nameof(ProtocolLimits.MaxMessageBytes), ViolationKind.MessageTooLarge)]
    public void Message_beyond_a_limit_is_refused_counted_and_logged_once(string limit, ViolationKind kind)
    {
        ProtocolLimits limits = limit switch
        {
            nameof(ProtocolLimits.MaxStringBytes) => ProtocolLimits.Default with { MaxStringBytes = 10 },
            nameof(ProtocolLimits.MaxCollectionCount) => ProtocolLimits.Default with { MaxCollectionCount = 10 },
            _ => ProtocolLimits.Default with { MaxMessageBytes = 100 },
        };
        var strict = new ProtocolSerializer(null, Registry(), limits, _violations);
        byte[] bytes = strict.ToBinary(new ExampleHello("a-node-name-of-22-bytes",
            Enumerable.Range(0, 20).Select(i => $"r{i}").ToArray(), new() { ["x"] = 1 }));

        for (int i = 0; i < 3; i++)
        {
            var e = Assert.Throws<WireProtocolException>(() => strict.FromBinary(bytes, "hello"));
            Assert.Equal(kind, e.Kind);
        }
        Assert.Equal(3, _violations.CountOf(kind));
        Assert.Single(_log);
    }

    [Fact]
    public void Binds_to_protocol_messages_through_hocon()
    {
        ProtocolMessageRegistry.Default.Register<ExampleHello>("example-hello");
        Config config = ConfigurationFactory.ParseString("""
            akka.actor.serializers.distnn = "DistNN.Protocol.Serialization.ProtocolSerializer, DistNN.Protocol"
            akka.actor.serialization-bindings { "DistNN.Protocol.IProtocolMessage, DistNN.Protocol" = distnn }
            """);
        using ActorSystem system = ActorSystem.Create("serializer-spec", config);
        var hello = new ExampleHello("n", ["ps"], new() { ["data"] = 7000 });

        var serializer = system.Serialization.FindSerializerFor(hello);
        var back = (ExampleHello)system.Serialization.Deserialize(serializer.ToBinary(hello), serializer.Identifier,
            "example-hello");

        Assert.IsType<ProtocolSerializer>(serializer);
        Assert.Equal(ProtocolSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(7000, back.Ports["data"]);
    }
}
