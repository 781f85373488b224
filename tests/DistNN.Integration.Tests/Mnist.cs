using System.IO.Compression;

namespace DistNN.Integration.Tests;

internal static class Mnist
{
    /// <summary>The MNIST folder CI fills (scripts/test.sh sets DISTNN_MNIST_DIR); the repository's data/mnist otherwise. Fails loudly when it is missing.</summary>
    public static string RequireDir()
    {
        var dir = Environment.GetEnvironmentVariable("DISTNN_MNIST_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            dir = Path.Combine(Repository.Root, "data", "mnist");
        }
        Assert.True(File.Exists(Path.Combine(dir, "train-images-idx3-ubyte")) || File.Exists(Path.Combine(dir, "train-images-idx3-ubyte.gz")),
            $"MNIST is not in {dir}: run scripts/fetch-mnist.sh (scripts/test.sh does) — this test needs the real data and does not pass without it");
        return dir;
    }

    /// <summary>
    /// A folder under <paramref name="parent"/> with <paramref name="dir"/>'s labels and test set (linked) and training images
    /// whose header reads but whose pixels cannot (a gzip member holding the header, then garbage): a node given it fails
    /// if it reads a training image.
    /// </summary>
    public static string WithUnreadableTrainingImages(string dir, string parent)
    {
        string folder = Directory.CreateDirectory(Path.Combine(parent, "mnist-headers-only")).FullName;
        foreach (string name in new[] { "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            string found = File.Exists(Path.Combine(dir, name)) ? name : name + ".gz";
            File.CreateSymbolicLink(Path.Combine(folder, found), Path.Combine(dir, found));
        }
        string images = Path.Combine(dir, "train-images-idx3-ubyte");
        var header = new byte[16];
        using (var source = File.Exists(images) ? File.OpenRead(images)
            : (Stream)new GZipStream(File.OpenRead(images + ".gz"), CompressionMode.Decompress))
        {
            source.ReadExactly(header);
        }
        using var output = File.Create(Path.Combine(folder, "train-images-idx3-ubyte.gz"));
        using (var zip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(header);
        }
        // Long enough that the header's 47 MB could be its compressed content (the reader refuses shorter files).
        output.Write(Enumerable.Repeat((byte)0x5a, 64 * 1024).ToArray());
        return folder;
    }
}
