using System.Buffers;
using DistNN.Protocol.DataPlane;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;

namespace DistNN.Protocol.Tests;

public class MessageFrameSpec(SerializerSystem fixture) : IClassFixture<SerializerSystem>
{
    [Fact]
    public void A_push_of_the_cnns_size_comes_back_from_a_frame_with_its_target_and_route()
    {
        float[] gradient = TestData.RandomFloats(421_642, seed: 3);
        gradient[1] = float.NaN;
        var push = new PushGradients("worker-0", 7, 1, 3, 64, 0.5, [new ChunkValues(0, 0, gradient)], []);
        using var frame = new FrameWriter();

        MessageFrame.Write(frame, fixture.Serializer, "/user/ps-0", 42, push);
        var (target, route, message) = MessageFrame.Read(new ReadOnlySequence<byte>(frame.Payload), fixture.Serializer, ProtocolLimits.Default);

        Assert.Equal(("/user/ps-0", 42), (target, route));
        MessageEquality.AssertSame(push, message);
        Assert.InRange(frame.PayloadLength, 4 * gradient.Length, 4 * gradient.Length + 100);
    }

    [Fact]
    public void A_frame_that_is_not_a_message_frame_is_refused_as_malformed()
    {
        using var frame = new FrameWriter();
        var writer = new MessagePack.MessagePackWriter(frame);
        writer.WriteArrayHeader(2);
        writer.Write("distnn.pull-weights");
        writer.Write(1);
        writer.Flush();

        var error = Assert.Throws<WireProtocolException>(() =>
            MessageFrame.Read(new ReadOnlySequence<byte>(frame.Payload), fixture.Serializer, ProtocolLimits.Default));

        Assert.Equal(ViolationKind.Malformed, error.Kind);
    }

    [Fact]
    public void A_frame_with_an_unknown_manifest_is_refused()
    {
        using var frame = new FrameWriter();
        MessageFrame.Write(frame, fixture.Serializer, "/user/ps-0", 1, new PullWeights(1));
        byte[] bytes = frame.Payload.ToArray();
        int at = bytes.AsSpan().IndexOf("pull-weights"u8);
        bytes[at] = (byte)'q';

        var error = Assert.Throws<WireProtocolException>(() =>
            MessageFrame.Read(new ReadOnlySequence<byte>(bytes), fixture.Serializer, ProtocolLimits.Default));

        Assert.Equal(ViolationKind.UnknownManifest, error.Kind);
    }
}
