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
}
