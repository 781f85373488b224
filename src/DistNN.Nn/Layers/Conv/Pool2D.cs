namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// What max and average pooling share: a kh×kw window with stride (default: the window, so windows tile the image)
/// and padding, applied to each channel of an NHWC image separately; channels are kept.
/// A window may hang over the padding but never lies wholly in it (padding must be smaller than the window).
/// </summary>
public abstract class Pool2D : Layer
{
    private readonly int _kernelHeight;
    private readonly int _kernelWidth;
    private readonly int _strideH;
    private readonly int _strideW;
    private readonly Padding2D _padding;

    protected Pool2D(int kernelHeight, int kernelWidth, int? strideH, int? strideW, Padding2D padding)
    {
        _kernelHeight = kernelHeight;
        _kernelWidth = kernelWidth;
        _strideH = strideH ?? kernelHeight;
        _strideW = strideW ?? kernelWidth;
        _padding = padding;
    }

    public ConvGeometry Geometry { get; private set; } = null!;

    protected abstract string Kind { get; }

    protected override int[] BuildCore(int[] inputShape)
    {
        string what = $"{Kind} {_kernelHeight}×{_kernelWidth} stride [{_strideH},{_strideW}] padding {_padding}";
        var g = ConvGeometry.TryCreate(inputShape, _kernelHeight, _kernelWidth, _strideH, _strideW, _padding, out var error)
            ?? throw ShapeError($"{what}: {error}");
        if (Math.Max(g.PadTop, g.PadBottom) >= g.KernelHeight || Math.Max(g.PadLeft, g.PadRight) >= g.KernelWidth)
        {
            throw ShapeError($"{what}: padding [{g.PadTop},{g.PadBottom},{g.PadLeft},{g.PadRight}] must be smaller than the window, or a window could see only padding");
        }
        Geometry = g;
        return [g.OutHeight, g.OutWidth, g.Channels];
    }

    protected void CheckInput(Tensor input)
    {
        if (input.RowLength != Geometry.InImageLength)
        {
            throw ShapeError($"forward got a batch of [{input.ShapeString}], expected rows of {Geometry.InImageLength}");
        }
    }
}
