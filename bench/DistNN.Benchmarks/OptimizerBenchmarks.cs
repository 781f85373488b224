using BenchmarkDotNet.Attributes;
using DistNN.Nn.Optimizers;

namespace DistNN.Benchmarks;

/// <summary>
/// One optimizer update over the cnn preset's 421,642 parameters (the per-step cost on a parameter server).
/// Compare with PyTorch's optimizer.step() on one tensor of the same length, run side by side.
/// </summary>
[MemoryDiagnoser]
public class OptimizerBenchmarks
{
    private const int Length = 421_642;
    private float[] _weights = [];
    private float[] _gradient = [];
    private float[] _state = [];
    private Optimizer _optimizer = null!;
    private long _step;

    [Params("sgd", "momentum", "adagrad", "rmsprop", "adam")]
    public string Name { get; set; } = "adam";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _weights = Enumerable.Range(0, Length).Select(_ => (float)rng.NextDouble()).ToArray();
        _gradient = Enumerable.Range(0, Length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        _optimizer = OptimizerFactory.Create(Name, 1e-3f);
        _state = new float[_optimizer.StateSlots * Length];
    }

    [Benchmark]
    public void Update() => _optimizer.Update(_weights, _gradient, _state, ++_step, regularize: true);
}
