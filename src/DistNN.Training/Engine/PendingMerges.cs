// TEMPORARY: stand-ins for pieces being written on other branches (optimizers, schedules, clipping,
// augmentation, MNIST loading). Deleted when those branches land.
using DistNN.Data;
using DistNN.Nn;
using DistNN.Nn.Optimizers;
using DistNN.Tensors;

namespace DistNN.Training.Engine;

internal static class OptimizerFactory
{
    public static Optimizer Create(string name, float lr, float momentum, float l1, float l2) => name switch
    {
        "sgd" => new Sgd { LearningRate = lr, L1 = l1, L2 = l2 },
        _ => throw new ArgumentException($"unknown optimizer '{name}'"),
    };
}

internal sealed class LearningRateSchedule
{
    public static LearningRateSchedule Create(string name, int epochs) => new();

    public double Factor(int epoch, double progress) => 1.0;
}

internal static class GradientClipping
{
    public static float ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm) => 0;
}

internal static class BatchAugmenter
{
    public static Action<Tensor>? Create(string spec, int seed) => null;
}

public static class MnistLoader
{
    public static (Dataset Train, Dataset Test) Load(string dir) =>
        (Read(dir, "train"), Read(dir, "t10k"));

    private static Dataset Read(string dir, string prefix)
    {
        var img = File.ReadAllBytes(Path.Combine(dir, prefix + "-images-idx3-ubyte"));
        var lab = File.ReadAllBytes(Path.Combine(dir, prefix + "-labels-idx1-ubyte"));
        int n = lab.Length - 8;
        var f = new float[n * 784];
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = img[16 + i] / 255f;
        }
        return new Dataset(prefix, f, [28, 28, 1], lab.Skip(8).Select(b => (int)b).ToArray(), 10);
    }
}

public static class GemmBenchmark
{
    public static object Run(int n, int threads) => new { n, threads };
}
