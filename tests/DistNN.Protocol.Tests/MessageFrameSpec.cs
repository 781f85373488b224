using System.Buffers;
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
    public void A_frame_holding_large_values_by_reference_has_the_bytes_of_one_that_copies_them()
    {
        float[] large = TestData.RandomFloats(100_000, seed: 5);
        float[] small = TestData.RandomFloats(10, seed: 6);
        float[] state = TestData.RandomFloats(50_000, seed: 8);
        var push = new PushGradients("worker-0", 7, 1, 3, 64, 0.5,
            [new ChunkValues(0, 0, large), new ChunkValues(1, 0, small)], [new ChunkValues(2, 0, state)]);
        using var copied = new FrameWriter();
        using var referenced = new FrameWriter();

        MessageFrame.Write(copied, fixture.Serializer, "/user/ps-0", 9, push);
        MessageFrame.WriteByReference(referenced, fixture.Serializer, "/user/ps-0", 9, push);
        var pieces = new List<byte>();
        for (int i = 0; i < referenced.SegmentCount; i++)
        {
            pieces.AddRange(referenced.Segment(i).ToArray());
        }

        Assert.True(referenced.HasExternal);
        Assert.Equal(5, referenced.SegmentCount); // the two large chunks by reference, the small one copied
        Assert.Equal(copied.Frame.ToArray(), pieces.ToArray());
        Assert.Equal(copied.Frame.ToArray(), referenced.Frame.ToArray());
        Assert.False(referenced.HasExternal);
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
