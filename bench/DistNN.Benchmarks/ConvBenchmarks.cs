using BenchmarkDotNet.Attributes;
using DistNN.Nn.Activations;
using DistNN.Nn.Layers.Conv;
using DistNN.Tensors;

namespace DistNN.Benchmarks;

/// <summary>
/// The reference CNN's convolution stages at batch 64: conv1 28×28×1→32 3×3 same + ReLU, maxpool 2,
/// conv2 14×14×32→64 3×3 same + ReLU, maxpool 2. The im2col/col2im/pooling rows show the cost around the GEMMs;
/// the layer rows include the GEMMs (whatever Gemm.Multiply is on this build).
/// Run: dotnet run -c Release --project bench/DistNN.Benchmarks -- --filter '*ConvBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2)]
[IterationCount(7)]
public class ConvBenchmarks
{
    private const int Batch = 64;
    private Conv2D _conv1 = null!;
    private MaxPool2D _pool1 = null!;
    private Conv2D _conv2 = null!;
    private MaxPool2D _pool2 = null!;
    private Tensor _images = null!;
    private Tensor _conv1Out = null!;
    private Tensor _pool1Out = null!;
    private Tensor _conv2Out = null!;
    private Tensor _pool2Out = null!;
    private Tensor _pool1Grad = null!;
    private Tensor _pool2Grad = null!;
    private Tensor _conv2Grad = null!;
    private Tensor _conv1Grad = null!;
    private float[] _col1 = [];
    private float[] _col2 = [];
    private float[] _dx2 = [];

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _conv1 = new Conv2D(32, 3, 3, padding: Padding2D.Same, activation: new Relu()) { Name = "conv1", NeedsInputGradient = false };
        _pool1 = new MaxPool2D(2, 2) { Name = "pool1" };
        _conv2 = new Conv2D(64, 3, 3, padding: Padding2D.Same, activation: new Relu()) { Name = "conv2" };
        _pool2 = new MaxPool2D(2, 2) { Name = "pool2" };
        _pool2.Build(_conv2.Build(_pool1.Build(_conv1.Build([28, 28, 1]))));
        _conv1.Initialize(rng);
        _conv2.Initialize(rng);
        _images = Random(rng, Batch, 28, 28, 1);
        _conv1Out = _conv1.Forward(_images, true).Clone();
        _pool1Out = _pool1.Forward(_conv1Out, true).Clone();
        _conv2Out = _conv2.Forward(_pool1Out, true).Clone();
        _pool2Out = _pool2.Forward(_conv2Out, true).Clone();
        _pool2Grad = Random(rng, Batch, 7, 7, 64);
        _conv2Grad = Random(rng, Batch, 14, 14, 64);
        _pool1Grad = Random(rng, Batch, 14, 14, 32);
        _conv1Grad = Random(rng, Batch, 28, 28, 32);
        _col1 = new float[Batch * _conv1.Geometry.OutPixels * _conv1.Geometry.PatchLength];
        _col2 = new float[Batch * _conv2.Geometry.OutPixels * _conv2.Geometry.PatchLength];
        _dx2 = new float[_pool1Out.Length];
    }

    private static Tensor Random(Random rng, params int[] shape)
    {
        var t = new Tensor(shape);
        for (int i = 0; i < t.Length; i++)
        {
            t[i] = (float)(rng.NextDouble() * 2 - 1);
        }
        return t;
    }

    // Expand/fold image by image into a cache-sized buffer, as the layer does (its default slice).
    private static void ExpandSlices(Conv2D conv, Tensor x, float[] col)
    {
        var g = conv.Geometry;
        int perSlice = Math.Max(1, conv.SliceFloats / (g.OutPixels * g.PatchLength));
        for (int first = 0; first < Batch; first += perSlice)
        {
            int images = Math.Min(perSlice, Batch - first);
            Im2Col.Expand(g, x.Span.Slice(first * g.InImageLength, images * g.InImageLength), col);
        }
    }

    [Benchmark]
    public void Conv1_im2col() => ExpandSlices(_conv1, _images, _col1);

    [Benchmark]
    public void Conv2_im2col() => ExpandSlices(_conv2, _pool1Out, _col2);

    [Benchmark]
    public void Conv2_col2im()
    {
        var g = _conv2.Geometry;
        int perSlice = Math.Max(1, _conv2.SliceFloats / (g.OutPixels * g.PatchLength));
        Array.Clear(_dx2);
        for (int first = 0; first < Batch; first += perSlice)
        {
            int images = Math.Min(perSlice, Batch - first);
            Im2Col.Accumulate(g, _col2, _dx2.AsSpan(first * g.InImageLength, images * g.InImageLength));
        }
    }

    [Benchmark]
    public Tensor Pool1_forward() => _pool1.Forward(_conv1Out, true);

    [Benchmark]
    public Tensor? Pool1_backward() => _pool1.Backward(_pool1Grad);

    [Benchmark]
    public Tensor Pool2_forward() => _pool2.Forward(_conv2Out, true);

    [Benchmark]
    public Tensor? Pool2_backward() => _pool2.Backward(_pool2Grad);

    [Benchmark]
    public Tensor Conv1_forward()
    {
        ComputeThreads.Current = Threads;
        return _conv1.Forward(_images, true);
    }

    [Benchmark]
    public Tensor? Conv1_backward()
    {
        ComputeThreads.Current = Threads;
        return _conv1.Backward(_conv1Grad);
    }

    [Benchmark]
    public Tensor Conv2_forward()
    {
        ComputeThreads.Current = Threads;
        return _conv2.Forward(_pool1Out, true);
    }

    [Benchmark]
    public Tensor? Conv2_backward()
    {
        ComputeThreads.Current = Threads;
        return _conv2.Backward(_conv2Grad);
    }
}
