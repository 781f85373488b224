using System.Buffers;
using System.Runtime.InteropServices;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Ownership;
using DistNN.Protocol.Serialization;
using DistNN.Transport.DataPlane;

namespace DistNN.Transport.Tests;

/// <summary>
/// A connection's receive side reads a frame's large chunk values from the socket straight into the arrays that will hold
/// them, and hands on the same message, whatever sizes the stream arrives in.
/// </summary>
public class FrameReceiverSpec
{
    private static readonly ProtocolSerializer s_serializer =
        new(null, ProtocolMessageRegistry.Default, ProtocolLimits.Default, LimitViolations.Shared);

    private static float[] Floats(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
    }

    /// <summary>The cnn's gradient chunks with one server (a small conv, a 72 KiB conv, the 1.6 MB dense, biases) and a state chunk.</summary>
    private static PushGradients Push(long step) => new("worker-0", step, 1, 3, 32, 0.5,
        [
            new ChunkValues(0, 0, Floats(288, 1)), new ChunkValues(1, 0, Floats(32, 2)), new ChunkValues(2, 0, Floats(18_432, 3)),
            new ChunkValues(3, 0, Floats(64, 4)), new ChunkValues(4, 5, Floats(401_408, 5)), new ChunkValues(5, 0, Floats(128, 6)),
        ],
        [new ChunkValues(6, 0, Floats(20_000, 7))]);

    private static byte[] Frames(params object[] messages)
    {
        var bytes = new List<byte>();
        foreach (object message in messages)
        {
            using var frame = new FrameWriter();
            MessageFrame.Write(frame, s_serializer, "/user/ps-0", 1, message);
            bytes.AddRange(frame.Frame.ToArray());
        }
        return bytes.ToArray();
    }

    /// <summary>A stream that hands out <paramref name="bytes"/> in pieces of sizes drawn from 1 to <paramref name="largest"/>.</summary>
    private static Func<Memory<byte>, int> Stream(byte[] bytes, int seed, int largest)
    {
        var random = new Random(seed);
        int at = 0;
        return into =>
        {
            int n = Math.Min(Math.Min(into.Length, bytes.Length - at), random.Next(1, largest + 1));
            bytes.AsSpan(at, n).CopyTo(into.Span);
            at += n;
            return n;
        };
    }

    private static List<(object Message, IValueArrays? Placed)> ReceiveAll(FrameReceiver receiver)
    {
        var messages = new List<(object, IValueArrays?)>();
        while (receiver.ReceiveFrame((payload, placed) =>
        {
            var (manifest, _, _, _, bytes) = MessageFrame.ReadHeader(payload, ProtocolLimits.Default);
            messages.Add((s_serializer.Read(bytes, manifest, placed), placed));
        }))
        {
        }
        return messages;
    }

    private static void AssertSameValues(IReadOnlyList<ChunkValues> expected, IReadOnlyList<ChunkValues> actual)
    {
        Assert.Equal(expected.Select(v => (v.ChunkId, v.Version)), actual.Select(v => (v.ChunkId, v.Version)));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.True(MemoryMarshal.AsBytes(expected[i].Values.Span).SequenceEqual(MemoryMarshal.AsBytes(actual[i].Values.Span)),
                $"chunk {expected[i].ChunkId} differs");
        }
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 1_000)]
    [InlineData(3, 70_000)]
    [InlineData(4, 4_000_000)]
    public void Pushes_arriving_in_pieces_of_any_size_come_out_whole_with_their_large_values_read_straight_into_the_receive_arrays(
        int seed, int largestRead)
    {
        PushGradients first = Push(1);
        PushGradients second = Push(2);
        var arrays = new ReceiveArrays("worker-0's pushes");
        var receiver = new FrameReceiver(Stream(Frames(first, new PullWeights(9), second), seed, largestRead), ProtocolLimits.Default,
            _ => arrays.NextMessage(), initialBytes: 4096);

        var received = ReceiveAll(receiver);

        Assert.Equal(3, received.Count);
        var (firstPush, firstPlaced) = ((PushGradients)received[0].Message, received[0].Placed);
        var (secondPush, secondPlaced) = ((PushGradients)received[2].Message, received[2].Placed);
        Assert.Equal(new PullWeights(9), received[1].Message);
        AssertSameValues(first.Gradients, firstPush.Gradients);
        AssertSameValues(first.State, firstPush.State);
        AssertSameValues(second.Gradients, secondPush.Gradients);
        Assert.Null(received[1].Placed);
        // Each push's arrays are its own set of the receive arrays, the large values in them.
        Assert.NotNull(firstPlaced);
        Assert.NotNull(secondPlaced);
        Assert.True(MemoryMarshal.TryGetArray(secondPush.Gradients[4].Values, out var dense));
        Assert.Same(arrays.Get(4, 401_408), dense.Array);
        // Only what a read took beyond the scanner's last look went through the buffer: at most 16 KiB of each bin.
        long large = 2 * 4 * (401_408 + 18_432 + 20_000);
        Assert.InRange(receiver.BytesPlaced, large - 2 * 3 * 16 * 1024, large);
    }

    [Fact]
    public void A_frame_nothing_is_placed_for_is_read_whole_into_fresh_arrays()
    {
        PushGradients push = Push(1);
        var receiver = new FrameReceiver(Stream(Frames(push), seed: 5, largest: 50_000), ProtocolLimits.Default, _ => null, 4096);

        var received = ReceiveAll(receiver);

        Assert.Null(Assert.Single(received).Placed);
        AssertSameValues(push.Gradients, ((PushGradients)received[0].Message).Gradients);
        Assert.Equal(0, receiver.BytesPlaced);
    }

    [Fact]
    public void A_compressed_push_has_nothing_placed_and_its_codes_are_read_in_a_few_reads_not_in_scanning_steps()
    {
        float[] dense = Floats(1_000_000, 9);
        byte[] codes = new byte[ValueCodec.EncodedValueBytes(TensorEncoding.Int8, dense.Length)];
        float scale = ValueCodec.EncodeDense(TensorEncoding.Int8, dense, codes);
        var push = new PushGradients("worker-0", 1, 1, 3, 32, 0.5,
            [new ChunkValues(0, 0, dense) { Encoded = new EncodedValues(TensorEncoding.Int8, dense.Length, scale, default, codes) }], []);
        var stream = Stream(Frames(push), seed: 2, largest: 1 << 30);
        int reads = 0;
        var arrays = new ReceiveArrays();
        var receiver = new FrameReceiver(into => { reads++; return stream(into); }, ProtocolLimits.Default, _ => arrays.NextMessage(), 4096);

        var received = ReceiveAll(receiver);

        var chunk = ((PushGradients)Assert.Single(received).Message).Gradients[0];
        Assert.Equal(dense.Length, chunk.Values.Length);
        Assert.Equal(0, receiver.BytesPlaced);
        Assert.InRange(reads, 1, 6);
    }

    [Fact]
    public void A_stream_that_ends_inside_a_placed_value_fails_as_an_early_end_not_as_a_message()
    {
        byte[] frame = Frames(Push(1));
        var arrays = new ReceiveArrays();
        var receiver = new FrameReceiver(Stream(frame[..(frame.Length / 2)], seed: 1, largest: 100_000), ProtocolLimits.Default,
            _ => arrays.NextMessage(), 4096);

        var e = Assert.Throws<EndOfStreamException>(() => ReceiveAll(receiver));
        Assert.Contains("ended", e.Message);
    }
}
