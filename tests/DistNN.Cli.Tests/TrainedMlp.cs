namespace DistNN.Cli.Tests;

/// <summary>A small mlp trained once per test class by `distnn train` (6,000 images, one epoch, ~2 s) and saved.</summary>
public sealed class TrainedMlp
{
    public TrainedMlp()
    {
        Mnist = Distnn.MnistDir();
        Assert.True(File.Exists(Path.Combine(Mnist, "t10k-images-idx3-ubyte")) || File.Exists(Path.Combine(Mnist, "t10k-images-idx3-ubyte.gz")),
            $"MNIST is not in {Mnist}: run scripts/fetch-mnist.sh (scripts/test.sh does)");
        Directory = Distnn.TempDir();
        ModelFile = Path.Combine(Directory, "mlp.safetensors");
        var train = Distnn.Run("train", "--model", "mlp", "--data-dir", Mnist, "--train-limit", "6000", "--epochs", "1", "--threads", "1",
            "--save", ModelFile, "--no-progress");
        Assert.True(train.ExitCode == 0, train.All);
    }

    public string Mnist { get; }

    public string Directory { get; }

    public string ModelFile { get; }
}
