using DistNN.Nn.Activations;
using DistNN.Nn.Initializers;
using DistNN.Tensors;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// 2-D convolution over NHWC images: z[n,y,x,f] = b[f] + Σ_{i,j,c} x[n, y·sh − top + i, x·sw − left + j, c] · W[(i·kw + j)·C + c, f],
/// a = σ(z). W is stored as (kh·kw·C) × filters so the forward pass is im2col(x) · W, one GEMM per slice of images.
/// Backward: dz = da ⊙ σ'(z); dW = im2col(x)ᵀ · dz; db = Σ dz; dx = col2im(dz · Wᵀ). Bias and ReLU are fused into one
/// pass over z each way.
/// The batch is processed in slices of whole images so the im2col buffer stays small enough for the caches;
/// the backward pass rebuilds each slice's columns instead of keeping the whole batch's.
/// Patches of at most 32 floats (a 3×3 kernel on 1 or 3 channels) skip im2col and the GEMM for <see cref="SmallPatchKernels"/>,
/// which read a zero-padded copy of the input and fuse bias, ReLU and the bias gradient; 1×1 stride-1 convolutions skip im2col.
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
    private int[] _patchOffsets = [];
    private Tensor? _padded;
    private int _paddedImages;
    private Tensor? _paddedDx;
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
        _patchOffsets = _smallPatch ? SmallPatchKernels.Offsets(g) : [];
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
        if (_smallPatch)
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
                Gemm.MatMul(col.Span, w, z.Span.Slice(first * pixels * f, rows * f), rows, f, patch);
            }
        }
        // Bias and ReLU in one pass over z, which then holds a (ReLU's backward mask a > 0 is z > 0).
        PerChannel.AddToRows(z.Span, _bias.Value.Span, relu: _activation is Relu);
        if (_activation is null or Relu)
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
        if (_smallPatch)
        {
            return BackwardSmallPatch(input, outputGradient);
        }
        var g = _geometry;
        int batch = input.Rows, pixels = g.OutPixels, patch = g.PatchLength, f = _filters;
        Tensor dz = outputGradient;
        if (_activation is Relu)
        {
            dz = Tensor.Ensure(ref _dz, outputGradient.Shape);
            PerChannel.ReluBackwardSumRows(outputGradient.Span, _z!.Span, dz.Span, _bias.Grad!.Span);
        }
        else if (_activation is not null)
        {
            dz = Tensor.Ensure(ref _dz, outputGradient.Shape);
            _activation.Backward(_z!.Span, _output!.Span, outputGradient.Span, dz.Span);
            PerChannel.SumRows(dz.Span, _bias.Grad!.Span);
        }
        else
        {
            PerChannel.SumRows(dz.Span, _bias.Grad!.Span);
        }
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
            Gemm.MatMulTransA(col.Span, dzSlice, dw, patch, f, rows, accumulate: first > 0);
            if (dx is not null)
            {
                // The columns are spent: reuse the buffer for dcol = dz · Wᵀ, then fold it back onto dx.
                Gemm.MatMulTransB(dzSlice, w, col.Span, rows, patch, f);
                Im2Col.Accumulate(g, col.Span, dx.Span.Slice(first * g.InImageLength, images * g.InImageLength));
            }
        }
        return dx;
    }

    /// <summary>
    /// Directly from a zero-padded copy of the input (kept for backward): with ReLU or no activation the kernel adds
    /// the bias and applies the activation in its one pass and only a is kept; other activations go through z.
    /// </summary>
    private Tensor ForwardSmallPatch(Tensor input)
    {
        var g = _geometry;
        int batch = input.Rows, f = _filters;
        var padded = Tensor.Ensure(ref _padded, batch * SmallPatchKernels.PaddedImageLength(g));
        // The border stays zero between steps of the same batch size; only the interior is rewritten.
        SmallPatchKernels.Pad(g, input.Span, padded.Span, clearBorder: _paddedImages != batch);
        _paddedImages = batch;
        bool fused = _activation is null or Relu;
        var z = fused && _activation is not null
            ? Tensor.Ensure(ref _output, batch, g.OutHeight, g.OutWidth, f)
            : Tensor.Ensure(ref _z, batch, g.OutHeight, g.OutWidth, f);
        SmallPatchKernels.Forward(g, padded.Span, _patchOffsets, _weights.Value.Span, _bias.Value.Span, z.Span, f, relu: _activation is Relu);
        if (fused)
        {
            return z;
        }
        var output = Tensor.Ensure(ref _output, batch, g.OutHeight, g.OutWidth, f);
        _activation!.Forward(z.Span, output.Span);
        return output;
    }

    /// <summary>dz, dW, db and (when needed) the padded dx in one pass over the output pixels; dx is the padded dx cropped.</summary>
    private Tensor? BackwardSmallPatch(Tensor input, Tensor outputGradient)
    {
        var g = _geometry;
        int f = _filters;
        bool relu = _activation is Relu;
        Tensor da = outputGradient;
        if (_activation is not null and not Relu)
        {
            da = Tensor.Ensure(ref _dz, outputGradient.Shape);
            _activation.Backward(_z!.Span, _output!.Span, outputGradient.Span, da.Span);
        }
        Tensor? dx = NeedsInputGradient ? Tensor.Ensure(ref _dx, input.Shape) : null;
        Tensor? paddedDx = null;
        if (dx is not null)
        {
            paddedDx = Tensor.Ensure(ref _paddedDx, _padded!.Length);
            paddedDx.Clear();
        }
        SmallPatchKernels.Backward(g, _padded!.Span, _patchOffsets, _weights.Value.Span, da.Span, relu ? _output!.Span : default,
            _weights.Grad!.Span, _bias.Grad!.Span, paddedDx is null ? default : paddedDx.Span, f, relu);
        if (dx is not null)
        {
            SmallPatchKernels.Crop(g, paddedDx!.Span, dx.Span);
        }
        return dx;
    }

    private int ImagesPerSlice(int batch)
    {
        long perImage = (long)_geometry.OutPixels * _geometry.PatchLength;
        return (int)Math.Clamp(SliceFloats / perImage, 1, Math.Max(batch, 1));
    }
}
