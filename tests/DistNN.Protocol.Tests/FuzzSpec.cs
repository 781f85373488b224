using System.Buffers;
using System.Runtime.Serialization;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;
using Xunit.Abstractions;

namespace DistNN.Protocol.Tests;

/// <summary>
/// Random and mutated inputs (truncations, bit flips, huge lengths, garbage) must end in a clean refusal: a
/// <see cref="SerializationException"/> from the serializer, a <see cref="WireProtocolException"/> from the frame
/// reader and the message frame; no other exception, no hang, and no allocation beyond a bound set by the bytes
/// actually received (never by the lengths they claim).
/// </summary>
public class FuzzSpec(ITestOutputHelper output)
{
    private const int Iterations = 100_000;

    private static readonly ProtocolLimits Limits = ProtocolLimits.Default with
    {
        MaxMessageBytes = 1 << 20,
        MaxTensorElements = 4096,
        MaxStringBytes = 256,
        MaxCollectionCount = 1024,
    };

    private static readonly byte[][] HugeMarkers =
    [
        [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32
        [0xdb, 0x7f, 0xff, 0xff, 0xff], // str32
        [0xdd, 0xff, 0xff, 0xff, 0xf0], // array32
        [0xdf, 0x7f, 0xff, 0xff, 0xff], // map32
        [0xc9, 0x7f, 0xff, 0xff, 0xff, 0x64], // ext32, the Typeless code
        [0xff, 0xff, 0xff, 0x7f, ProtocolVersion.Current], // frame header of 2 GB
    ];

    /// <summary>Exceptions, a name string, small arrays: fixed; then at most a few dozen bytes per byte received.</summary>
    private static long AllocationBound(int inputBytes) => 16 * 1024 + 16L * inputBytes;

    [Fact]
    public void Serializer_refuses_mutated_and_random_messages_cleanly()
    {
        var serializer = new ProtocolSerializer(null, ProtocolSerializerSpec.Registry(), Limits, new LimitViolations(_ => { }));
        (byte[] Bytes, string Manifest)[] seeds =
        [
            (serializer.ToBinary(ProtocolSerializerSpec.SamplePush()), "push"),
            (serializer.ToBinary(new ExampleHello("ps-1", ["ps", "worker"], new() { ["data"] = 7000, ["x"] = -1 })), "hello"),
            (serializer.ToBinary(new ExamplePushGradients(1, 2,
                [CompressedChunks.Make(0, TestData.RandomFloats(64, 3), Compression.Int8)])), "push"),
        ];
        foreach (var (bytes, manifest) in seeds)
        {
            serializer.FromBinary(bytes, manifest);
        }

        var random = new Random(12345);
        int refused = 0;
        long most = 0;
        for (int i = 0; i < Iterations; i++)
        {
            var (seed, manifest) = seeds[random.Next(seeds.Length)];
            byte[] input = Mutate(seed, random);
            bool wasRefused = false;
            long allocated = AllocationOf(input.Length, () =>
            {
                try
                {
                    serializer.FromBinary(input, manifest);
                    wasRefused = false;
                }
                catch (SerializationException)
                {
                    wasRefused = true;
                }
                catch (Exception e)
                {
                    Assert.Fail($"input {Convert.ToHexString(input)} threw {e}");
                }
            });
            refused += wasRefused ? 1 : 0;
            most = Math.Max(most, allocated);
            if (allocated > AllocationBound(input.Length))
            {
                Assert.Fail($"decoding {input.Length} bytes allocated {allocated} every time: {Convert.ToHexString(input)}");
            }
        }
        output.WriteLine($"{refused} of {Iterations} refused; most allocated by one decode: {most} bytes");
        Assert.InRange(refused, Iterations / 2, Iterations);
    }

    [Fact]
    public void Frame_reader_and_message_frame_decoder_refuse_mutated_and_random_streams_cleanly()
    {
        var serializer = new ProtocolSerializer(null, ProtocolSerializerSpec.Registry(), Limits, new LimitViolations(_ => { }));
        byte[][] seeds =
        [
            Frame(serializer, new ChunkValues(0, 1, TestData.RandomFloats(18, 1))),
            Frame(serializer, CompressedChunks.Make(1, [1f, float.NaN], Compression.Fp16)),
            Frame(serializer, CompressedChunks.Make(2, TestData.RandomFloats(40, 2), Compression.Int8)),
            Frame(serializer, CompressedChunks.Make(3, TestData.RandomFloats(30, 4), Compression.TopK(0.2))),
        ];
        var random = new Random(54321);
        int frames = 0, refused = 0;
        long most = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] stream = random.Next(4) == 0
                ? [.. seeds[random.Next(seeds.Length)], .. Mutate(seeds[random.Next(seeds.Length)], random)]
                : Mutate(seeds[random.Next(seeds.Length)], random);
            ReadOnlySequence<byte> whole = random.Next(2) == 0 ? new(stream) : Segments.Split(stream, random.Next(1, 16));
            int streamFrames = 0, streamRefusals = 0;
            long allocated = AllocationOf(stream.Length, () =>
            {
                (streamFrames, streamRefusals) = (0, 0);
                ReadOnlySequence<byte> buffer = whole;
                try
                {
                    while (FrameReader.TryReadFrame(ref buffer, Limits, out ReadOnlySequence<byte> payload))
                    {
                        streamFrames++;
                        try
                        {
                            MessageFrame.Read(payload, serializer, Limits);
                        }
                        catch (SerializationException)
                        {
                            streamRefusals++;
                        }
                    }
                }
                catch (WireProtocolException)
                {
                    streamRefusals++;
                }
                catch (Exception e)
                {
                    Assert.Fail($"stream {Convert.ToHexString(stream)} threw {e}");
                }
            });
            frames += streamFrames;
            refused += streamRefusals;
            most = Math.Max(most, allocated);
            if (allocated > AllocationBound(stream.Length))
            {
                Assert.Fail($"reading {stream.Length} bytes allocated {allocated} every time: {Convert.ToHexString(stream)}");
            }
        }
        output.WriteLine($"{frames} frames, {refused} refusals in {Iterations} streams; most allocated by one stream: {most} bytes");
        Assert.InRange(refused, Iterations / 2, 2 * Iterations);
    }

    /// <summary>
    /// Bytes <paramref name="decode"/> allocated on this thread. The counter sees more than the decode's own
    /// allocations: a process-wide cache that the decode happens to grow (the runtime's resource strings for exception
    /// messages, the shared array pool refilling after a trim), filled by whichever thread needs it first while other
    /// test classes run in parallel. Those one-off costs made this spec fail now and then. A decode that allocates
    /// beyond the bound because of what the input claims does so every time, so an excess is measured twice more and
    /// the least of the three counts.
    /// </summary>
    private static long AllocationOf(int inputBytes, Action decode)
    {
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            decode();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            if (least <= AllocationBound(inputBytes))
            {
                break;
            }
        }
        return least;
    }

    /// <summary>A data-plane frame holding a push of <paramref name="chunk"/>.</summary>
    private static byte[] Frame(ProtocolSerializer serializer, ChunkValues chunk)
    {
        using var frame = new FrameWriter();
        MessageFrame.Write(frame, serializer, "/user/ps-0", 1, new ExamplePushGradients(1, 2, [chunk]));
        return frame.Frame.ToArray();
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        byte[] bytes = (byte[])seed.Clone();
        switch (random.Next(7))
        {
            case 0:
                return bytes[..random.Next(bytes.Length)];
            case 1:
                for (int flips = random.Next(1, 5); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }
                return bytes;
            case 2:
                for (int writes = random.Next(1, 5); writes > 0; writes--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }
                return bytes;
            case 3:
                {
                    byte[] marker = HugeMarkers[random.Next(HugeMarkers.Length)];
                    int at = random.Next(bytes.Length);
                    return random.Next(2) == 0
                        ? [.. bytes[..at], .. marker, .. bytes[at..]]
                        : [.. bytes[..at], .. marker, .. bytes[Math.Min(bytes.Length, at + marker.Length)..]];
                }
            case 4:
                {
                    var garbage = new byte[random.Next(64)];
                    random.NextBytes(garbage);
                    return garbage;
                }
            case 5:
                {
                    int from = random.Next(bytes.Length);
                    int length = random.Next(bytes.Length - from);
                    int at = random.Next(bytes.Length);
                    return [.. bytes[..at], .. bytes.AsSpan(from, length), .. bytes[at..]];
                }
            default:
                {
                    ReadOnlySpan<byte> interesting = [0x00, 0x7f, 0x80, 0xc0, 0xc1, 0xcc, 0xd3, 0xff];
                    bytes[random.Next(bytes.Length)] = interesting[random.Next(interesting.Length)];
                    return bytes;
                }
        }
    }
}
