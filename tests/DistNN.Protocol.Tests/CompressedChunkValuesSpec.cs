using System.Buffers;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Ownership;
using DistNN.Protocol.Serialization;
using MessagePack;

namespace DistNN.Protocol.Tests;

/// <summary>
/// A compressed push carries its encoded bytes, not dense float32, and the receiver decodes them into exactly the
/// values the sender decoded for itself; corrupt encoded chunks end in a clean <see cref="SerializationException"/>.
/// </summary>
public class CompressedChunkValuesSpec
{
    private static readonly LimitViolations s_violations = new(_ => { });

    private static readonly ProtocolSerializer s_serializer =
        new(null, ProtocolMessageRegistry.Default, ProtocolLimits.Default, s_violations);

    public static TheoryData<string> Compressions => ["fp16", "int8", "topk:0.01", "topk:1"];

    private static PushGradients Push(string compression, params int[] sizes)
    {
        var chunks = sizes.Select((n, i) =>
        {
            float[] raw = TestData.RandomFloats(n, seed: 10 + i);
            raw[n / 2] = -3.5f; // one large value, so top-k has a clear choice
            return CompressedChunks.Make(i, raw, Compression.Parse(compression));
        }).ToList();
        return new PushGradients("worker-0", 3, 1, 2, 64, 0.25, chunks, [new ChunkValues(9, 0, new float[] { 1, 2 })]);
    }

    private static void AssertDecodedAsSent(PushGradients sent, object received)
    {
        var push = Assert.IsType<PushGradients>(received);
        Assert.Equal(sent.Gradients.Count, push.Gradients.Count);
        for (int i = 0; i < sent.Gradients.Count; i++)
        {
            Assert.Equal(sent.Gradients[i].ChunkId, push.Gradients[i].ChunkId);
            Assert.True(TestData.BitwiseEqual(sent.Gradients[i].Values.Span, push.Gradients[i].Values.Span),
                $"chunk {i} decoded differently from the sender's values");
        }
        MessageEquality.AssertSame(sent.State, push.State);
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public void A_compressed_push_through_the_serializer_decodes_to_the_senders_values_and_ships_only_the_codes(string compression)
    {
        PushGradients push = Push(compression, 5000, 1000, 7);

        byte[] bytes = s_serializer.ToBinary(push);
        object back = s_serializer.FromBinary(bytes, s_serializer.Manifest(push));

        AssertDecodedAsSent(push, back);
        long codes = push.Gradients.Sum(g => (long)g.Encoded!.Bytes);
        Assert.InRange(bytes.Length, codes, codes + 150);
    }

    [Theory]
    [MemberData(nameof(Compressions))]
    public void A_compressed_push_through_a_segmented_data_plane_frame_decodes_into_the_receivers_arrays(string compression)
    {
        PushGradients push = Push(compression, 421_642 - 1290, 1290);
        using var frame = new FrameWriter();
        MessageFrame.Write(frame, s_serializer, "/user/ps-0", 7, push);
        var receiver = new Arrays();
        var arrays = receiver.ByChunk;

        var (target, route, message) = MessageFrame.Read(Segments.Split(frame.Payload, 4096), s_serializer,
            ProtocolLimits.Default, receiver);

        Assert.Equal(("/user/ps-0", 7), (target, route));
        AssertDecodedAsSent(push, message);
        var received = ((PushGradients)message).Gradients;
        Assert.All(received, g => Assert.Same(arrays[g.ChunkId], MemoryMarshal.TryGetArray(g.Values, out var s) ? s.Array : null));
        Assert.All(received, g => Assert.Equal(receiver.Loan, g.Loan));
    }

    [Fact]
    public void An_uncompressed_chunk_keeps_the_dense_three_field_layout()
    {
        byte[] bytes = MessagePackSerializer.Serialize(new ChunkValues(1, 2, new float[] { 1, 2 }), ProtocolSerializerOptions.Default);

        Assert.Equal(0x93, bytes[0]); // fixarray of 3
    }

    /// <summary>[chunkId, version, encoding, count, scale, indices, codes], as a peer could send it.</summary>
    private static byte[] Encoded(byte encoding, int count, byte[]? indices, byte[] codes, int fields = 7)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(2);
        writer.Write(ProtocolVersion.Current);
        writer.WriteArrayHeader(8);
        writer.Write("w");
        writer.Write(1L);
        writer.Write(1);
        writer.Write(0);
        writer.Write(32);
        writer.Write(0d);
        writer.WriteArrayHeader(1);
        writer.WriteArrayHeader(fields);
        writer.Write(0);
        writer.Write(0L);
        writer.Write(encoding);
        writer.Write(count);
        writer.Write(0.5f);
        if (indices is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.Write(indices);
        }
        writer.Write(codes);
        writer.WriteArrayHeader(0);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Ints(params int[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static TheoryData<string, byte[], ViolationKind> Corrupt => new()
    {
        { "fp16 codes one byte short", Encoded((byte)TensorEncoding.Fp16, 10, null, new byte[19]), ViolationKind.Malformed },
        { "int8 codes one byte long", Encoded((byte)TensorEncoding.Int8, 10, null, new byte[11]), ViolationKind.Malformed },
        { "unknown encoding id", Encoded(9, 10, null, new byte[10]), ViolationKind.Malformed },
        { "count beyond the limit", Encoded((byte)TensorEncoding.Int8, (16 << 20) + 1, null, new byte[16]), ViolationKind.TensorTooLarge },
        { "negative count", Encoded((byte)TensorEncoding.Int8, -4, null, new byte[4]), ViolationKind.Malformed },
        { "top-k without indices", Encoded((byte)TensorEncoding.TopK, 10, null, new byte[8]), ViolationKind.Malformed },
        { "top-k values not matching indices", Encoded((byte)TensorEncoding.TopK, 10, Ints(1, 2), new byte[4]), ViolationKind.Malformed },
        { "top-k with more indices than elements", Encoded((byte)TensorEncoding.TopK, 1, Ints(0, 1), new byte[8]), ViolationKind.Malformed },
        { "top-k index beyond the count", Encoded((byte)TensorEncoding.TopK, 10, Ints(3, 10), new byte[8]), ViolationKind.Malformed },
        { "top-k indices out of order", Encoded((byte)TensorEncoding.TopK, 10, Ints(5, 2), new byte[8]), ViolationKind.Malformed },
        { "dense encoding with indices", Encoded((byte)TensorEncoding.Fp16, 2, Ints(0), new byte[4]), ViolationKind.Malformed },
        { "six fields", Encoded((byte)TensorEncoding.Int8, 4, null, new byte[4], fields: 6), ViolationKind.Malformed },
    };

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void A_corrupt_encoded_chunk_is_refused_cleanly(string what, byte[] message, ViolationKind kind)
    {
        var e = Assert.ThrowsAny<SerializationException>(() => s_serializer.FromBinary(message, "distnn.push-gradients"));

        Assert.True(e is WireProtocolException w && w.Kind == kind, $"{what}: {e.GetType().Name} {(e as WireProtocolException)?.Kind}: {e.Message}");
    }

    [Fact]
    public void A_well_formed_encoded_chunk_written_by_hand_is_read()
    {
        byte[] codes = [2, unchecked((byte)-4), 0, 127];

        var push = (PushGradients)s_serializer.FromBinary(Encoded((byte)TensorEncoding.Int8, 4, null, codes), "distnn.push-gradients");

        Assert.Equal([1f, -2f, 0f, 63.5f], push.Gradients[0].Values.ToArray());
    }

    /// <summary>The receiver's reused arrays, one per chunk, lent to the message under one loan.</summary>
    private sealed class Arrays : IValueArrays
    {
        public Dictionary<int, float[]> ByChunk { get; } = [];

        public Loan Loan { get; } = new Lease("the receiver").Current;

        public float[] Get(int chunk, int length) => ByChunk.TryGetValue(chunk, out var a) ? a : ByChunk[chunk] = new float[length];
    }
}
