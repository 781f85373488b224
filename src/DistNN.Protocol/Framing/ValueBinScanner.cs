using System.Buffers.Binary;

namespace DistNN.Protocol.Framing;

/// <summary>What <see cref="ValueBinScanner.Next"/> found.</summary>
public enum ValueBinScan
{
    /// <summary>The next token is not complete yet: scan again with more bytes.</summary>
    NeedMore,

    /// <summary>A dense chunk's large float bin: its bytes start at <see cref="ValueBinScanner.Position"/>.</summary>
    Found,

    /// <summary>A token that chunk values never contain (a map, an extension, bad bytes): nothing more will be found.</summary>
    Stopped,
}

/// <summary>
/// Walks a frame payload's MessagePack tokens while it arrives, to find each dense chunk's float bin
/// (<c>[chunkId, version, bin]</c>, <see cref="Serialization.Formatters.ChunkValuesFormatter"/>) of at least a given size
/// before its bytes are received, so the receiver can read them straight into the array that will hold them. It only
/// finds places; the frame is still read by the serializer with every check, so a misplaced guess costs a copy, never a
/// wrong value. Positions are offsets into the bytes the caller passes (the payload without the bins it took out).
/// </summary>
public struct ValueBinScanner(int minBinBytes)
{
    private int _stage;

    /// <summary>Where the next token starts; after <see cref="ValueBinScan.Found"/>, where the bin's bytes start.</summary>
    public int Position { get; private set; }

    /// <summary>The chunk id of the bin found last.</summary>
    public int ChunkId { get; private set; }

    /// <summary>After <see cref="ValueBinScan.NeedMore"/>: how many bytes the token being read needs in all, when known.</summary>
    public long Needed { get; private set; }

    /// <summary>The byte length of the bin found last.</summary>
    public int BinBytes { get; private set; }

    /// <summary>Goes on after a found bin whose bytes the caller took out of <c>bytes</c> (the next token is at <see cref="Position"/>).</summary>
    public void BinRemoved() => _stage = 0;

    /// <summary>Goes on after a found bin whose bytes stay in <c>bytes</c>.</summary>
    public void SkipBin()
    {
        Position += BinBytes;
        _stage = 0;
    }

    /// <summary>Scans <paramref name="bytes"/> (the payload so far) from <see cref="Position"/> to the next large chunk bin.</summary>
    public ValueBinScan Next(ReadOnlySpan<byte> bytes)
    {
        while (true)
        {
            Needed = Position + 1;
            if (Position >= bytes.Length)
            {
                return ValueBinScan.NeedMore;
            }
            var rest = bytes[Position..];
            byte code = rest[0];
            int stage = _stage;
            _stage = 0;
            long extra; // bytes after the token's header that belong to it (a string's or bin's contents)
            int header;
            switch (code)
            {
                case <= 0x7f:
                    header = 1;
                    extra = 0;
                    _stage = IntAfter(stage, code);
                    break;
                case <= 0x8f:
                    return ValueBinScan.Stopped;
                case <= 0x9f:
                    header = 1;
                    extra = 0;
                    _stage = (code & 0x0f) == 3 ? 1 : 0;
                    break;
                case <= 0xbf:
                    header = 1;
                    extra = code & 0x1f;
                    break;
                case 0xc0 or 0xc2 or 0xc3:
                    header = 1;
                    extra = 0;
                    break;
                case 0xc4 or 0xc5 or 0xc6:
                    header = code == 0xc4 ? 2 : code == 0xc5 ? 3 : 5;
                    if (!TrySize(rest, header, out extra))
                    {
                        _stage = stage;
                        return ValueBinScan.NeedMore;
                    }
                    if (stage == 3 && extra >= minBinBytes && extra <= int.MaxValue)
                    {
                        Position += header;
                        BinBytes = (int)extra;
                        return ValueBinScan.Found;
                    }
                    break;
                case 0xca or 0xcb:
                    header = code == 0xca ? 5 : 9;
                    extra = 0;
                    break;
                case >= 0xcc and <= 0xd3:
                    header = 1 + (1 << ((code - 0xcc) & 3));
                    extra = 0;
                    if (rest.Length < header)
                    {
                        _stage = stage;
                        return ValueBinScan.NeedMore;
                    }
                    _stage = IntAfter(stage, ReadInt(code, rest));
                    break;
                case 0xd9 or 0xda or 0xdb:
                    header = code == 0xd9 ? 2 : code == 0xda ? 3 : 5;
                    if (!TrySize(rest, header, out extra))
                    {
                        _stage = stage;
                        return ValueBinScan.NeedMore;
                    }
                    break;
                case 0xdc or 0xdd:
                    header = code == 0xdc ? 3 : 5;
                    if (!TrySize(rest, header, out long count))
                    {
                        _stage = stage;
                        return ValueBinScan.NeedMore;
                    }
                    _stage = count == 3 ? 1 : 0;
                    extra = 0;
                    break;
                case >= 0xe0:
                    header = 1;
                    extra = 0;
                    _stage = IntAfter(stage, (sbyte)code);
                    break;
                default:
                    return ValueBinScan.Stopped; // ext, fixext, maps, the unused 0xc1
            }
            if (rest.Length < header + extra)
            {
                _stage = stage;
                Needed = Position + header + extra; // a string or bin not placed: read it in one go
                return ValueBinScan.NeedMore;
            }
            Position += header + (int)extra;
        }
    }

    /// <summary>An integer after <c>[</c> of three is a chunk id, one more a version; anything else starts over.</summary>
    private int IntAfter(int stage, long value)
    {
        if (stage == 1 && value is >= 0 and <= int.MaxValue)
        {
            ChunkId = (int)value;
            return 2;
        }
        return stage == 2 ? 3 : 0;
    }

    /// <summary>A string's, bin's or array's big-endian size (header − 1 bytes after the code); false while the header is incomplete.</summary>
    private static bool TrySize(ReadOnlySpan<byte> rest, int header, out long size)
    {
        size = 0;
        if (rest.Length < header)
        {
            return false;
        }
        size = header switch
        {
            2 => rest[1],
            3 => BinaryPrimitives.ReadUInt16BigEndian(rest[1..]),
            _ => BinaryPrimitives.ReadUInt32BigEndian(rest[1..]),
        };
        return true;
    }

    private static long ReadInt(byte code, ReadOnlySpan<byte> rest) => code switch
    {
        0xcc => rest[1],
        0xcd => BinaryPrimitives.ReadUInt16BigEndian(rest[1..]),
        0xce => BinaryPrimitives.ReadUInt32BigEndian(rest[1..]),
        0xcf => (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(rest[1..]), long.MaxValue),
        0xd0 => (sbyte)rest[1],
        0xd1 => BinaryPrimitives.ReadInt16BigEndian(rest[1..]),
        0xd2 => BinaryPrimitives.ReadInt32BigEndian(rest[1..]),
        _ => BinaryPrimitives.ReadInt64BigEndian(rest[1..]),
    };
}
