using System.Buffers.Binary;
using System.IO.Compression;

namespace DistNN.Data.Idx;

/// <summary>
/// Reads IDX files (the MNIST format), plain or gzip-compressed: a 4-byte magic 0x00 0x00 dtype rank, then
/// rank big-endian int32 dimensions, then the values. Only dtype 0x08 (unsigned byte) is supported. The header is
/// checked before anything large is allocated, and the file must hold exactly the bytes the header promises.
/// </summary>
public static class IdxReader
{
    public const byte UnsignedByte = 0x08;

    /// <summary>Magic number of a label file: unsigned bytes, rank 1.</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Magic number of an image file: unsigned bytes, rank 3 (count, rows, cols).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Highest rank accepted; real data sets use 1 (labels) to 4 (count, rows, cols, channels).</summary>
    public const int MaxRank = 4;

    // Deflate expands at most ~1032:1, so a gzip file can never promise more than this many bytes per compressed byte.
    private const long MaxDeflateRatio = 1032;

    /// <summary>Reads a label file: rank 1 (magic 0x00000801).</summary>
    public static IdxArray ReadLabels(string path) => Read(path, 1, 1, "labels");

    /// <summary>Reads an image (or feature) file: rank 2 to 4, usually 3 (magic 0x00000803).</summary>
    public static IdxArray ReadImages(string path) => Read(path, 2, MaxRank, "images");

    /// <summary>Reads an IDX file whose rank must lie in [minRank, maxRank]; <paramref name="role"/> names what it should hold in errors.</summary>
    public static IdxArray Read(string path, int minRank = 1, int maxRank = MaxRank, string role = "IDX data") =>
        Open(path, (stream, length, compressed) => ReadContents(path, stream, minRank, maxRank, role, length, compressed));

    /// <summary>The dimensions an IDX file's header declares (outermost first), checked as <see cref="Read"/> checks them; the values are not read.</summary>
    public static int[] ReadDimensions(string path, int minRank = 1, int maxRank = MaxRank, string role = "IDX data") =>
        Open(path, (stream, length, compressed) => ReadHeader(path, stream, minRank, maxRank, role, length, compressed).Dimensions);

    /// <summary>
    /// Items <paramref name="start"/> .. start + count − 1 of an IDX file, and nothing else: a plain file is read from the
    /// item's offset (a seek), a gzip file is decompressed up to there and its earlier bytes skipped. The header is checked
    /// as <see cref="Read"/> checks it; the returned array's first dimension is <paramref name="count"/>.
    /// </summary>
    public static IdxArray ReadItems(string path, int start, int count, int minRank = 1, int maxRank = MaxRank, string role = "IDX data") =>
        Open(path, (stream, length, compressed) =>
        {
            var (dimensions, payload) = ReadHeader(path, stream, minRank, maxRank, role, length, compressed);
            if (start < 0 || count < 0 || (long)start + count > dimensions[0])
            {
                throw new DataFormatException(path, $"holds {dimensions[0]} items; items {start} to {(long)start + count - 1} were asked for");
            }
            long itemLength = payload / dimensions[0];
            long headerLength = 4 + 4 * dimensions.Length;
            var data = GC.AllocateUninitializedArray<byte>(checked((int)(itemLength * count)));
            if (compressed)
            {
                Skip(stream, itemLength * start);
            }
            else
            {
                stream.Position = headerLength + itemLength * start;
            }
            int got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (got < data.Length)
            {
                throw new DataFormatException(path, $"is truncated: its header [{string.Join(",", dimensions)}] promises {headerLength + payload} bytes, items {start} to {start + count - 1} end past its data");
            }
            var sliced = dimensions.ToArray();
            sliced[0] = count;
            return new IdxArray(path, sliced, data);
        });

    /// <summary>Opens <paramref name="path"/> (plain or gzip) and hands <paramref name="read"/> the stream, the file's length and whether it is compressed.</summary>
    private static T Open<T>(string path, Func<Stream, long, bool, T> read)
    {
        if (!File.Exists(path))
        {
            throw new DataNotFoundException(path, $"{path}: file not found");
        }
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            long fileLength = file.Length;
            Span<byte> start = stackalloc byte[2];
            int startRead = file.ReadAtLeast(start, 2, throwOnEndOfStream: false);
            file.Position = 0;
            bool gzip = startRead == 2 && start[0] == 0x1f && start[1] == 0x8b;
            if (gzip)
            {
                using var unzipped = new GZipStream(file, CompressionMode.Decompress);
                return read(unzipped, fileLength, true);
            }
            return read(file, fileLength, false);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"is not valid gzip data ({e.Message})", e);
        }
    }

    /// <summary>Reads and drops <paramref name="bytes"/> bytes of a stream that cannot seek.</summary>
    private static void Skip(Stream stream, long bytes)
    {
        var buffer = new byte[Math.Min(bytes, 1 << 16)];
        while (bytes > 0)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(bytes, buffer.Length));
            if (n == 0)
            {
                return;
            }
            bytes -= n;
        }
    }

    private static IdxArray ReadContents(string path, Stream stream, int minRank, int maxRank, string role, long fileLength, bool compressed)
    {
        string kind = compressed ? "decompressed data" : "file";
        var (dimensions, payload) = ReadHeader(path, stream, minRank, maxRank, role, fileLength, compressed);
        long headerLength = 4 + 4 * dimensions.Length;
        long expectedLength = headerLength + payload;
        var data = GC.AllocateUninitializedArray<byte>((int)payload);
        int got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < data.Length)
        {
            throw new DataFormatException(path, $"is truncated: its header [{string.Join(",", dimensions)}] promises {expectedLength} bytes, the {kind} has {headerLength + got}");
        }
        if (compressed)
        {
            Span<byte> probe = stackalloc byte[4096];
            long extra = 0;
            int n;
            while ((n = stream.Read(probe)) > 0 && extra < (1 << 20))
            {
                extra += n;
            }
            if (extra > 0)
            {
                throw new DataFormatException(path, $"has trailing bytes: its header [{string.Join(",", dimensions)}] promises {expectedLength} bytes, the {kind} has {(extra >= (1 << 20) ? "over " : "")}{expectedLength + extra}");
            }
        }
        return new IdxArray(path, dimensions, data);
    }

    /// <summary>
    /// Reads and checks an IDX header (magic, data type, rank, dimensions) from the start of <paramref name="stream"/>; a
    /// plain file's length must be exactly what the header promises. Returns the dimensions and the payload's bytes.
    /// </summary>
    internal static (int[] Dimensions, long Payload) ReadHeader(string path, Stream stream, int minRank, int maxRank, string role, long fileLength, bool compressed)
    {
        string kind = compressed ? "decompressed data" : "file";
        Span<byte> magic = stackalloc byte[4];
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
        {
            throw new DataFormatException(path, $"{kind} is {got} bytes long, too short for the 4-byte IDX magic number");
        }
        int magicNumber = BinaryPrimitives.ReadInt32BigEndian(magic);
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new DataFormatException(path, $"is not an IDX file: magic number 0x{magicNumber:X8} should start with two zero bytes (labels 0x{LabelsMagic:X8}, images 0x{ImagesMagic:X8})");
        }
        if (magic[2] != UnsignedByte)
        {
            throw new DataFormatException(path, $"has IDX data type 0x{magic[2]:X2} ({DataTypeName(magic[2])}); only 0x08 (unsigned byte) is supported");
        }
        int rank = magic[3];
        if (rank < minRank || rank > maxRank)
        {
            string expected = minRank == maxRank ? $"rank {minRank} (magic 0x{0x0800 | minRank:X8})" : $"rank {minRank} to {maxRank}";
            throw new DataFormatException(path, $"has magic number 0x{magicNumber:X8} (rank {rank}) but {role} need {expected}");
        }

        Span<byte> header = stackalloc byte[4 * rank];
        got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (got < header.Length)
        {
            throw new DataFormatException(path, $"is truncated inside its header: expected {4 + header.Length} header bytes, found {4 + got}");
        }
        var dimensions = new int[rank];
        long payload = 1;
        for (int i = 0; i < rank; i++)
        {
            dimensions[i] = BinaryPrimitives.ReadInt32BigEndian(header.Slice(4 * i, 4));
            if (dimensions[i] <= 0)
            {
                throw new DataFormatException(path, $"declares dimension {i} as {dimensions[i]}; every dimension must be at least 1");
            }
            payload *= dimensions[i];
            if (payload > Array.MaxLength)
            {
                throw new DataFormatException(path, $"declares dimensions [{string.Join(",", dimensions[..(i + 1)])}...], more than {Array.MaxLength} values");
            }
        }
        long headerLength = 4 + header.Length;
        long expectedLength = headerLength + payload;

        if (!compressed && fileLength != expectedLength)
        {
            throw new DataFormatException(path, fileLength < expectedLength
                ? $"is truncated: its header [{string.Join(",", dimensions)}] promises {expectedLength} bytes, the file has {fileLength}"
                : $"has {fileLength - expectedLength} trailing bytes: its header [{string.Join(",", dimensions)}] promises {expectedLength} bytes, the file has {fileLength}");
        }
        if (compressed && payload > fileLength * MaxDeflateRatio)
        {
            throw new DataFormatException(path, $"is truncated: its header [{string.Join(",", dimensions)}] promises {expectedLength} bytes, more than {fileLength} compressed bytes can hold");
        }

        return (dimensions, payload);
    }

    private static string DataTypeName(byte dtype) => dtype switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown",
    };
}
