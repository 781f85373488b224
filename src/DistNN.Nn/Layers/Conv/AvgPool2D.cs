using System.Numerics.Tensors;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// Average pooling: y = mean of the window's in-image cells, per channel. Padded cells are not counted
/// (TensorFlow's rule; PyTorch's count_include_pad=False), so a border window averages fewer cells.
/// Backward: each in-image cell of a window receives dy / (cells in that window).
/// </summary>
public sealed class AvgPool2D : Pool2D
{
    private Tensor? _output;
    private Tensor? _dx;
    private Tensor? _input;

    public AvgPool2D(int kernelHeight, int kernelWidth, int? strideH = null, int? strideW = null, Padding2D padding = default)
        : base(kernelHeight, kernelWidth, strideH, strideW, padding)
    {
    }

    protected override string Kind => "avgpool2d";

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        _input = input;
        var g = Geometry;
        int batch = input.Rows, c = g.Channels;
        var output = Tensor.Ensure(ref _output, batch, g.OutHeight, g.OutWidth, c);
        var x = input.Span;
        var y = output.Span;
        int o = 0;
        for (int n = 0; n < batch; n++)
        {
            int imageBase = n * g.InImageLength;
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                var (iyStart, iyEnd) = Rows(g, oy);
                for (int ox = 0; ox < g.OutWidth; ox++, o += c)
                {
                    var (ixStart, ixEnd) = Columns(g, ox);
                    var sum = y.Slice(o, c);
                    sum.Clear();
                    for (int iy = iyStart; iy < iyEnd; iy++)
                    {
                        for (int ix = ixStart; ix < ixEnd; ix++)
                        {
                            TensorPrimitives.Add(sum, x.Slice(imageBase + (iy * g.InWidth + ix) * c, c), sum);
                        }
                    }
                    TensorPrimitives.Multiply(sum, 1f / ((iyEnd - iyStart) * (ixEnd - ixStart)), sum);
                }
            }
        }
        return output;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        var input = _input ?? throw new InvalidOperationException($"layer '{Name}': backward before forward");
        if (!NeedsInputGradient)
        {
            return null;
        }
        var g = Geometry;
        int batch = input.Rows, c = g.Channels;
        var dx = Tensor.Ensure(ref _dx, input.Shape);
        dx.Clear();
        var d = dx.Span;
        var dy = outputGradient.Span;
        Span<float> share = c <= 1024 ? stackalloc float[c] : new float[c];
        int o = 0;
        for (int n = 0; n < batch; n++)
        {
            int imageBase = n * g.InImageLength;
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                var (iyStart, iyEnd) = Rows(g, oy);
                for (int ox = 0; ox < g.OutWidth; ox++, o += c)
                {
                    var (ixStart, ixEnd) = Columns(g, ox);
                    TensorPrimitives.Multiply(dy.Slice(o, c), 1f / ((iyEnd - iyStart) * (ixEnd - ixStart)), share);
                    for (int iy = iyStart; iy < iyEnd; iy++)
                    {
                        for (int ix = ixStart; ix < ixEnd; ix++)
                        {
                            var cell = d.Slice(imageBase + (iy * g.InWidth + ix) * c, c);
                            TensorPrimitives.Add(cell, share, cell);
                        }
                    }
                }
            }
        }
        return dx;
    }

    private static (int Start, int End) Rows(ConvGeometry g, int oy) =>
        (Math.Max(0, oy * g.StrideH - g.PadTop), Math.Min(g.InHeight, oy * g.StrideH - g.PadTop + g.KernelHeight));

    private static (int Start, int End) Columns(ConvGeometry g, int ox) =>
        (Math.Max(0, ox * g.StrideW - g.PadLeft), Math.Min(g.InWidth, ox * g.StrideW - g.PadLeft + g.KernelWidth));
}
