using System.Buffers;
using System.Runtime.InteropServices;
using CsCheck;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using MessagePack;

namespace DistNN.Protocol.Tests;

public class ChunkValuesFormatterSpec
{
    private static byte[] Write(ChunkValues values) =>
        MessagePackSerializer.Serialize(values, ProtocolSerializerOptions.Default);

    /// <summary>[chunkId, version, bin] with the bin given as raw bytes, as a peer could send it.</summary>
    private static byte[] Raw(int chunkId, long version, byte[] bin)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(3);
        writer.Write(chunkId);
        writer.Write(version);
        writer.Write(bin);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Values_travel_as_one_little_endian_float32_bin()
    {
        float[] values = [1f, float.NaN, float.NegativeInfinity, 1e-40f, -0f];

        byte[] bytes = Write(new ChunkValues(5, 9, values));

        Assert.Equal(Raw(5, 9, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()), bytes);
    }

    [Fact]
    public void Any_floats_round_trip_bitwise()
    {
        Gen.Select(Gen.Int[0, 1000], Gen.Long, TestData.AnyFloat.Array[0, 2000]).Sample((id, version, values) =>
        {
            var back = MessagePackSerializer.Deserialize<ChunkValues>(Write(new ChunkValues(id, version, values)),
                ProtocolSerializerOptions.Default);
            Assert.Equal((id, version), (back.ChunkId, back.Version));
            Assert.True(TestData.BitwiseEqual(values, back.Values.Span));
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Values_sliced_from_a_larger_array_write_only_the_slice()
    {
        float[] parameters = [1, 2, 3, 4, 5, 6];

        var back = MessagePackSerializer.Deserialize<ChunkValues>(
            Write(new ChunkValues(1, 0, parameters.AsMemory(2, 3))), ProtocolSerializerOptions.Default);

        Assert.Equal([3f, 4f, 5f], back.Values.ToArray());
    }

    [Fact]
    public void A_chunk_longer_than_the_limit_is_refused_before_its_array_is_allocated()
    {
        const int claimed = 1 << 20;
        var options = ProtocolSerializerOptions.Create(ProtocolLimits.Default with { MaxTensorElements = 1000 });
        byte[] bytes = Raw(0, 0, new byte[claimed * sizeof(float)]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<MessagePackSerializationException>(() => MessagePackSerializer.Deserialize<ChunkValues>(bytes, options));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var violation = Assert.IsType<WireProtocolException>(e.InnerException);
        Assert.Equal(ViolationKind.TensorTooLarge, violation.Kind);
        Assert.Contains($"{claimed} floats exceeds the limit of 1000 elements", violation.Message);
        Assert.True(allocated < claimed, $"allocated {allocated} bytes while refusing a chunk of {claimed} floats");
    }

    [Fact]
    public void An_oversized_push_is_refused_by_the_serializer_as_too_large()
    {
        var limits = ProtocolLimits.Default with { MaxTensorElements = 100 };
        var violations = new LimitViolations(_ => { });
        var serializer = new ProtocolSerializer(null, ProtocolMessageRegistry.Default, limits, violations);
        var push = new PushGradients("w", 1, 1, 0, 32, 0, [new ChunkValues(0, 0, new float[101])], []);

        var e = Assert.Throws<WireProtocolException>(() =>
            serializer.FromBinary(serializer.ToBinary(push), "distnn.push-gradients"));

        Assert.Equal(ViolationKind.TensorTooLarge, e.Kind);
        Assert.Equal(1, violations.CountOf(ViolationKind.TensorTooLarge));
    }

    [Fact]
    public void A_bin_that_is_not_whole_floats_is_malformed()
    {
        var e = Assert.Throws<MessagePackSerializationException>(() =>
            MessagePackSerializer.Deserialize<ChunkValues>(Raw(2, 0, new byte[7]), ProtocolSerializerOptions.Default));

        Assert.Equal(ViolationKind.Malformed, Assert.IsType<WireProtocolException>(e.InnerException).Kind);
    }
}
