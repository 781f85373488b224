using System.Buffers;
using System.IO.Pipelines;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;

namespace DistNN.Protocol.Tests;

public class FrameReaderSpec
{
    private static byte[] Frames(params byte[][] payloads)
    {
        var stream = new MemoryStream();
        foreach (byte[] payload in payloads)
        {
            using var frame = new FrameWriter();
            payload.CopyTo(frame.GetSpan(payload.Length));
            frame.Advance(payload.Length);
            stream.Write(frame.Frame.Span);
        }
        return stream.ToArray();
    }

    [Fact]
    public void Frames_split_at_every_position_come_out_whole_and_in_order()
    {
        byte[] bytes = Frames([1, 2, 3], [], [.. Enumerable.Range(0, 300).Select(i => (byte)i)]);
        for (int split = 1; split < bytes.Length; split++)
        {
            var payloads = new List<byte[]>();
            var buffer = new ReadOnlySequence<byte>(bytes.AsMemory(0, split));
            while (FrameReader.TryReadFrame(ref buffer, ProtocolLimits.Default, out var payload))
            {
                payloads.Add(payload.ToArray());
            }
            var rest = Segments.Split(bytes.AsMemory((int)(split - buffer.Length)), 7);
            while (FrameReader.TryReadFrame(ref rest, ProtocolLimits.Default, out var payload))
            {
                payloads.Add(payload.ToArray());
            }
            Assert.Equal(3, payloads.Count);
            Assert.Equal([1, 2, 3], payloads[0]);
            Assert.Empty(payloads[1]);
            Assert.Equal(300, payloads[2].Length);
            Assert.Equal(0, rest.Length);
        }
    }

    [Fact]
    public void Frame_of_another_protocol_version_is_refused_from_its_header_alone()
    {
        byte[] header = [3, 0, 0, 0, ProtocolVersion.Current + 1];
        var buffer = new ReadOnlySequence<byte>(header);
        var e = Assert.Throws<WireProtocolException>(() => FrameReader.TryReadFrame(ref buffer, ProtocolLimits.Default, out _));
        Assert.Equal(ViolationKind.VersionMismatch, e.Kind);
        Assert.Contains($"protocol version {ProtocolVersion.Current + 1}, this node speaks {ProtocolVersion.Current}", e.Message);
    }

    [Fact]
    public void Huge_length_is_refused_before_its_payload_arrives()
    {
        byte[] header = [0xff, 0xff, 0xff, 0xff, ProtocolVersion.Current];
        var buffer = new ReadOnlySequence<byte>(header);
        var e = Assert.Throws<WireProtocolException>(() => FrameReader.TryReadFrame(ref buffer, ProtocolLimits.Default, out _));
        Assert.Equal(ViolationKind.MessageTooLarge, e.Kind);
    }

    [Fact]
    public async Task Pipe_reader_yields_every_frame_and_reports_a_torn_last_frame()
    {
        byte[] bytes = Frames([9], [8, 7]);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(bytes.AsMemory(0, bytes.Length - 1));
        await pipe.Writer.CompleteAsync();
        var payloads = new List<byte[]>();

        long leftover = await FrameReader.ReadAllAsync(pipe.Reader, ProtocolLimits.Default, p => payloads.Add(p.ToArray()));

        Assert.Equal([[9]], payloads);
        Assert.Equal(6, leftover);
    }
}
