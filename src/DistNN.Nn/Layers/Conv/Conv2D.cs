using DistNN.Nn.Activations;
using DistNN.Nn.Initializers;
using DistNN.Tensors;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// 2-D convolution over NHWC images: z[n,y,x,f] = b[f] + Σ_{i,j,c} x[n, y·sh − top + i, x·sw − left + j, c] · W[(i·kw + j)·C + c, f],
/// a = σ(z). W is stored as (kh·kw·C) × filters so the forward pass is im2col(x) · W, one GEMM per slice of images.
/// Backward: dz = da ⊙ σ'(z); dW = im2col(x)ᵀ · dz; db = Σ dz; dx = col2im(dz · Wᵀ).
/// The batch is processed in slices of whole images so the im2col buffer stays small enough for the caches;
/// the backward pass rebuilds each slice's columns instead of keeping the whole batch's.
/// Patches of at most 32 floats (a 3×3 kernel on 1 or 3 channels) skip the GEMM for <see cref="SmallPatchKernels"/>;
/// 1×1 stride-1 convolutions skip im2col.
/// </summary>
public sealed class Conv2D : Layer
{
    private readonly int _filters;
    private readonly int _kernelHeight;
    private readonly int _kernelWidth;
    private readonly int _strideH;
    private readonly int _strideW;
    private readonly Padding2D _padding;
    private readonly Activation? _activation;
    private readonly Initializer _weightInit;
    private ConvGeometry _geometry = null!;
    private Parameter _weights = null!;
    private Parameter _bias = null!;
    private bool _pointwise;
    private bool _smallPatch;
    private bool _fusedSmallPatch;
    private float[] _biasBlock = [];
    private double[] _biasTotal = [];
    private Tensor? _input;
    private Tensor? _col;
    private Tensor? _z;
    private Tensor? _output;
    private Tensor? _dz;
    private Tensor? _dx;

    public Conv2D(int filters, int kernelHeight, int kernelWidth, int strideH = 1, int strideW = 1, Padding2D padding = default, Activation? activation = null, Initializer? weightInit = null)
    {
        _filters = filters;
        _kernelHeight = kernelHeight;
        _kernelWidth = kernelWidth;
        _strideH = strideH;
        _strideW = strideW;
        _padding = padding;
        _activation = activation;
        _weightInit = weightInit ?? Initializer.XavierUniform;
    }

    /// <summary>Target floats in one slice's im2col buffer (at least one image per slice). 128 Ki floats = 512 KB.</summary>
    public int SliceFloats { get; set; } = 1 << 17;

    public int Filters => _filters;

    public ConvGeometry Geometry => _geometry;

    public Activation? Activation => _activation;

    /// <summary>(kh·kw·C) × filters, rows in (kernel row, kernel column, input channel) order.</summary>
    public Parameter Weights => _weights;

    public Parameter Bias => _bias;

    public override IReadOnlyList<Parameter> Parameters => [_weights, _bias];

    protected override int[] BuildCore(int[] inputShape)
    {
        if (_filters <= 0)
        {
            throw ShapeError($"conv2d needs at least one filter, got {_filters}");
        }
        if (_activation is { HasGradient: false })
        {
            throw ShapeError($"activation '{_activation.Name}' has no useful gradient and cannot be trained by backpropagation");
        }
        _geometry = ConvGeometry.TryCreate(inputShape, _kernelHeight, _kernelWidth, _strideH, _strideW, _padding, out var error)
            ?? throw ShapeError($"conv2d {_kernelHeight}×{_kernelWidth} stride [{_strideH},{_strideW}] padding {_padding}: {error}");
        var g = _geometry;
        _pointwise = g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1
            && g.PadTop == 0 && g.PadBottom == 0 && g.PadLeft == 0 && g.PadRight == 0;
        _smallPatch = !_pointwise && g.PatchLength <= SmallPatchKernels.MaxPatch;
        // With no activation or ReLU, bias and activation go into the small-patch kernels' single pass over the rows.
        _fusedSmallPatch = _smallPatch && (_activation is null or Relu);
        if (_fusedSmallPatch)
        {
            _biasBlock = new float[_filters];
            _biasTotal = new double[_filters];
        }
        _weights = new Parameter($"{Name}.weight", new Tensor(g.PatchLength, _filters));
        _bias = new Parameter($"{Name}.bias", new Tensor(_filters), regularize: false);
        return [g.OutHeight, g.OutWidth, _filters];
    }

    public override void Initialize(Random rng)
    {
        int receptive = _kernelHeight * _kernelWidth;
        _weightInit.Fill(_weights.Value.Span, receptive * _geometry.Channels, receptive * _filters, rng);
        _bias.Value.Clear();
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        var g = _geometry;
        int batch = input.Rows;
        if (input.RowLength != g.InImageLength)
        {
            throw ShapeError($"forward got a batch of [{input.ShapeString}], expected rows of {g.InImageLength}");
        }
        _input = input;
        int pixels = g.OutPixels, patch = g.PatchLength, f = _filters;
        var w = _weights.Value.Span;
        if (_fusedSmallPatch)
        {
            return ForwardSmallPatch(input);
        }
        var z = Tensor.Ensure(ref _z, batch, g.OutHeight, g.OutWidth, f);
        if (_pointwise)
        {
            Gemm.MatMul(input.Span, w, z.Span, batch * pixels, f, patch);
        }
        else
        {
            int perSlice = ImagesPerSlice(batch);
            var col = Tensor.Ensure(ref _col, perSlice * pixels * patch);
            for (int first = 0; first < batch; first += perSlice)
            {
                int images = Math.Min(perSlice, batch - first);
                int rows = images * pixels;
                Im2Col.Expand(g, input.Span.Slice(first * g.InImageLength, images * g.InImageLength), col.Span);
                if (_smallPatch)
                {
                    SmallPatchKernels.Forward(col.Span, w, z.Span.Slice(first * pixels * f, rows * f), rows, patch, f);
                }
                else
                {
                    Gemm.MatMul(col.Span, w, z.Span.Slice(first * pixels * f, rows * f), rows, f, patch);
                }
            }
        }
        PerChannel.AddToRows(z.Span, _bias.Value.Span);
        if (_activation is null)
        {
            return z;
        }
        var output = Tensor.Ensure(ref _output, batch, g.OutHeight, g.OutWidth, f);
        _activation.Forward(z.Span, output.Span);
        return output;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        var input = _input ?? throw new InvalidOperationException($"layer '{Name}': backward before forward");
        if (_fusedSmallPatch)
        {
            return BackwardSmallPatch(input, outputGradient);
        }
        var g = _geometry;
        int batch = input.Rows, pixels = g.OutPixels, patch = g.PatchLength, f = _filters;
        Tensor dz = outputGradient;
        if (_activation is not null)
        {
            dz = Tensor.Ensure(ref _dz, outputGradient.Shape);
            _activation.Backward(_z!.Span, _output!.Span, outputGradient.Span, dz.Span);
        }
        PerChannel.SumRows(dz.Span, _bias.Grad!.Span);
        var dw = _weights.Grad!.Span;
        var w = _weights.Value.Span;
        Tensor? dx = NeedsInputGradient ? Tensor.Ensure(ref _dx, input.Shape) : null;
        if (_pointwise)
        {
            Gemm.MatMulTransA(input.Span, dz.Span, dw, patch, f, batch * pixels);
            if (dx is not null)
            {
                Gemm.MatMulTransB(dz.Span, w, dx.Span, batch * pixels, patch, f);
            }
            return dx;
        }
        dx?.Clear();
        int perSlice = ImagesPerSlice(batch);
        var col = Tensor.Ensure(ref _col, perSlice * pixels * patch);
        for (int first = 0; first < batch; first += perSlice)
        {
            int images = Math.Min(perSlice, batch - first);
            int rows = images * pixels;
            var inputSlice = input.Span.Slice(first * g.InImageLength, images * g.InImageLength);
            var dzSlice = dz.Span.Slice(first * pixels * f, rows * f);
            Im2Col.Expand(g, inputSlice, col.Span);
            // dW (+)= colᵀ · dz over this slice's rows.
            if (_smallPatch)
            {
                SmallPatchKernels.WeightGradient(col.Span, dzSlice, dw, rows, patch, f, accumulate: first > 0);
            }
            else
            {
                Gemm.MatMulTransA(col.Span, dzSlice, dw, patch, f, rows, accumulate: first > 0);
            }
            if (dx is not null)
            {
                // The columns are spent: reuse the buffer for dcol = dz · Wᵀ, then fold it back onto dx.
                if (_smallPatch)
                {
                    SmallPatchKernels.InputGradient(dzSlice, w, col.Span, rows, patch, f);
                }
                else
                {
                    Gemm.MatMulTransB(dzSlice, w, col.Span, rows, patch, f);
                }
                Im2Col.Accumulate(g, col.Span, dx.Span.Slice(first * g.InImageLength, images * g.InImageLength));
            }
        }
        return dx;
    }

    /// <summary>a = act(im2col(x) · W + b) slice by slice; with ReLU only a is kept, with no activation a is z.</summary>
    private Tensor ForwardSmallPatch(Tensor input)
    {
        var g = _geometry;
        int batch = input.Rows, pixels = g.OutPixels, patch = g.PatchLength, f = _filters;
        bool relu = _activation is Relu;
        var output = relu ? Tensor.Ensure(ref _output, batch, g.OutHeight, g.OutWidth, f) : Tensor.Ensure(ref _z, batch, g.OutHeight, g.OutWidth, f);
        int perSlice = ImagesPerSlice(batch);
        var col = Tensor.Ensure(ref _col, perSlice * pixels * patch);
        for (int first = 0; first < batch; first += perSlice)
        {
            int images = Math.Min(perSlice, batch - first);
            int rows = images * pixels;
            Im2Col.Expand(g, input.Span.Slice(first * g.InImageLength, images * g.InImageLength), col.Span);
            SmallPatchKernels.ForwardBiasActivation(col.Span, _weights.Value.Span, _bias.Value.Span,
                output.Span.Slice(first * pixels * f, rows * f), rows, patch, f, relu);
        }
        return output;
    }

    /// <summary>dz, dW and db in one pass per slice (dz stored only when dx needs it); dx = col2im(dz · Wᵀ).</summary>
    private Tensor? BackwardSmallPatch(Tensor input, Tensor outputGradient)
    {
        var g = _geometry;
        int batch = input.Rows, pixels = g.OutPixels, patch = g.PatchLength, f = _filters;
        bool relu = _activation is Relu;
        var dw = _weights.Grad!.Span;
        var w = _weights.Value.Span;
        Tensor? dx = NeedsInputGradient ? Tensor.Ensure(ref _dx, input.Shape) : null;
        Tensor? dz = dx is null ? null : Tensor.Ensure(ref _dz, outputGradient.Shape);
        dx?.Clear();
        Array.Clear(_biasTotal);
        int perSlice = ImagesPerSlice(batch);
        var col = Tensor.Ensure(ref _col, perSlice * pixels * patch);
        for (int first = 0; first < batch; first += perSlice)
        {
            int images = Math.Min(perSlice, batch - first);
            int rows = images * pixels;
            var inputSlice = input.Span.Slice(first * g.InImageLength, images * g.InImageLength);
            var dzSlice = dz is null ? default : dz.Span.Slice(first * pixels * f, rows * f);
            Im2Col.Expand(g, inputSlice, col.Span);
            SmallPatchKernels.BackwardBiasActivation(col.Span, outputGradient.Span.Slice(first * pixels * f, rows * f),
                relu ? _output!.Span.Slice(first * pixels * f, rows * f) : default, dzSlice,
                dw, _biasBlock, _biasTotal, rows, patch, f, relu, accumulate: first > 0);
            if (dx is not null)
            {
                SmallPatchKernels.InputGradient(dzSlice, w, col.Span, rows, patch, f);
                Im2Col.Accumulate(g, col.Span, dx.Span.Slice(first * g.InImageLength, images * g.InImageLength));
            }
        }
        var db = _bias.Grad!.Span;
        for (int j = 0; j < f; j++)
        {
            db[j] = (float)_biasTotal[j];
        }
        return dx;
    }

    private int ImagesPerSlice(int batch)
    {
        long perImage = (long)_geometry.OutPixels * _geometry.PatchLength;
        return (int)Math.Clamp(SliceFloats / perImage, 1, Math.Max(batch, 1));
    }
}
