using System.Buffers.Binary;
using System.IO.Compression;

namespace DistNN.Data.Tests;

/// <summary>A temporary folder in which tests write tiny IDX files, plain or gzip; deleted on dispose.</summary>
public sealed class IdxTestFiles : IDisposable
{
    public IdxTestFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), "distnn-idx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    /// <summary>The bytes of an IDX file: magic 0 0 dtype rank, big-endian dimensions, then the values.</summary>
    public static byte[] Encode(int[] dimensions, byte[] values, byte dtype = 0x08)
    {
        var bytes = new byte[4 + 4 * dimensions.Length + values.Length];
        bytes[2] = dtype;
        bytes[3] = (byte)dimensions.Length;
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        }
        values.CopyTo(bytes, 4 + 4 * dimensions.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var zip = new GZipStream(output, CompressionLevel.Fastest))
        {
            zip.Write(bytes);
        }
        return output.ToArray();
    }

    public string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, name.EndsWith(".gz", StringComparison.Ordinal) ? Gzip(bytes) : bytes);
        return path;
    }

    /// <summary>Writes the raw bytes as given, without compressing even when the name ends in .gz.</summary>
    public string WriteRaw(string name, byte[] bytes)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Images count × rows × cols whose pixel i of image n is (n * 7 + i * 13) % 256.</summary>
    public static byte[] ImageValues(int count, int rows, int cols)
    {
        var values = new byte[count * rows * cols];
        for (int n = 0; n < count; n++)
        {
            for (int i = 0; i < rows * cols; i++)
            {
                values[n * rows * cols + i] = (byte)((n * 7 + i * 13) % 256);
            }
        }
        return values;
    }

    /// <summary>Writes a full data set (train and test images and labels) under the standard names plus <paramref name="suffix"/>.</summary>
    public void WriteDataSet(int trainCount, int testCount, int rows, int cols, byte[] trainLabels, byte[] testLabels, string suffix = "", bool dotted = false)
    {
        string Name(string set, string kind, int rank) => dotted ? $"{set}-{kind}.idx{rank}-ubyte{suffix}" : $"{set}-{kind}-idx{rank}-ubyte{suffix}";
        Write(Name("train", "images", 3), Encode([trainCount, rows, cols], ImageValues(trainCount, rows, cols)));
        Write(Name("train", "labels", 1), Encode([trainLabels.Length], trainLabels));
        Write(Name("t10k", "images", 3), Encode([testCount, rows, cols], ImageValues(testCount, rows, cols)));
        Write(Name("t10k", "labels", 1), Encode([testLabels.Length], testLabels));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
