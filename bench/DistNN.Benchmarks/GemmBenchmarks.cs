using BenchmarkDotNet.Attributes;
using DistNN.Tensors;

namespace DistNN.Benchmarks;

/// <summary>
/// The GEMM on the square reference size and on the products the MLP and CNN trainers run every step
/// (batch 64; CNN convolutions as im2col in NHWC). Run: dotnet run -c Release -- --filter *GemmBenchmarks*
/// </summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    [Params(
        "square 1024",
        "mlp dense1 forward",
        "mlp dense2 forward",
        "mlp dense3 forward",
        "mlp dense1 dW=XtdZ",
        "mlp dense1 dX=dZWt",
        "cnn conv1 forward",
        "cnn conv2 forward",
        "cnn conv1 dW",
        "cnn conv2 dW",
        "cnn conv2 dX")]
    public string Shape { get; set; } = "square 1024";

    [Params(1, 2)]
    public int Threads { get; set; }

    private (int M, int N, int K, bool TransA, bool TransB) Dims => Shape switch
    {
        "square 1024" => (1024, 1024, 1024, false, false),
        "mlp dense1 forward" => (64, 256, 784, false, false),
        "mlp dense2 forward" => (64, 128, 256, false, false),
        "mlp dense3 forward" => (64, 10, 128, false, false),
        "mlp dense1 dW=XtdZ" => (784, 256, 64, true, false),
        "mlp dense1 dX=dZWt" => (64, 784, 256, false, true),
        "cnn conv1 forward" => (64 * 784, 32, 9, false, false),
        "cnn conv2 forward" => (64 * 196, 64, 288, false, false),
        "cnn conv1 dW" => (9, 32, 64 * 784, true, false),
        "cnn conv2 dW" => (288, 64, 64 * 196, true, false),
        "cnn conv2 dX" => (64 * 196, 288, 64, false, true),
        _ => throw new ArgumentException($"unknown shape {Shape}"),
    };

    [GlobalSetup]
    public void Setup()
    {
        var (m, n, k, _, _) = Dims;
        var rng = new Random(42);
        _a = Enumerable.Range(0, m * k).Select(_ => rng.NextSingle()).ToArray();
        _b = Enumerable.Range(0, k * n).Select(_ => rng.NextSingle()).ToArray();
        _c = new float[m * n];
        ComputeThreads.Current = Threads;
    }

    [Benchmark]
    public void Multiply()
    {
        var (m, n, k, transA, transB) = Dims;
        ComputeThreads.Current = Threads;
        Gemm.Multiply(transA, transB, m, n, k, 1f, _a, transA ? m : k, _b, transB ? k : n, 0f, _c, n);
    }
}
