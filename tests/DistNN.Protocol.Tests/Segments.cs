using System.Buffers;

namespace DistNN.Protocol.Tests;

/// <summary>Builds a multi-segment sequence, the shape in which pipes hand over large frames.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> bytes, int segmentLength)
    {
        if (bytes.Length <= segmentLength)
        {
            return new ReadOnlySequence<byte>(bytes);
        }
        var first = new Segments(bytes[..segmentLength], 0);
        Segments last = first;
        for (int start = segmentLength; start < bytes.Length; start += segmentLength)
        {
            var next = new Segments(bytes.Slice(start, Math.Min(segmentLength, bytes.Length - start)), start);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
