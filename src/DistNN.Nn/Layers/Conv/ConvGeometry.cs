namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// Where a kh×kw window with stride (sh, sw) and zero padding lands on an NHWC image of H×W×C:
/// out = (in + pad_before + pad_after − k) / s + 1 along each axis.
/// </summary>
public sealed record ConvGeometry(
    int InHeight, int InWidth, int Channels,
    int KernelHeight, int KernelWidth, int StrideH, int StrideW,
    int PadTop, int PadBottom, int PadLeft, int PadRight)
{
    public int OutHeight => (InHeight + PadTop + PadBottom - KernelHeight) / StrideH + 1;

    public int OutWidth => (InWidth + PadLeft + PadRight - KernelWidth) / StrideW + 1;

    /// <summary>Floats in one im2col row: kh·kw·C, ordered (kernel row, kernel column, channel).</summary>
    public int PatchLength => KernelHeight * KernelWidth * Channels;

    public int OutPixels => OutHeight * OutWidth;

    public int InImageLength => InHeight * InWidth * Channels;

    /// <summary>
    /// Validates and resolves the window for a per-sample [H, W, C] input. Returns null and a message
    /// (to be prefixed with the layer's name) when the shapes do not fit.
    /// </summary>
    public static ConvGeometry? TryCreate(int[] inputShape, int kernelHeight, int kernelWidth, int strideH, int strideW, Padding2D padding, out string error)
    {
        error = "";
        if (inputShape.Length != 3)
        {
            error = $"expects a per-sample [height, width, channels] input, got rank {inputShape.Length}";
            return null;
        }
        int h = inputShape[0], w = inputShape[1], c = inputShape[2];
        if (h <= 0 || w <= 0 || c <= 0)
        {
            error = $"input [{h},{w},{c}] has an empty dimension";
            return null;
        }
        if (kernelHeight <= 0 || kernelWidth <= 0)
        {
            error = $"kernel {kernelHeight}×{kernelWidth} must be positive";
            return null;
        }
        if (strideH <= 0 || strideW <= 0)
        {
            error = $"stride [{strideH},{strideW}] must be positive";
            return null;
        }
        var (top, bottom, left, right) = padding.Resolve(h, w, kernelHeight, kernelWidth, strideH, strideW);
        if (top < 0 || bottom < 0 || left < 0 || right < 0)
        {
            error = $"padding {padding} must not be negative";
            return null;
        }
        if (h + top + bottom < kernelHeight || w + left + right < kernelWidth)
        {
            error = $"kernel {kernelHeight}×{kernelWidth} is larger than the padded input {h + top + bottom}×{w + left + right} (padding {padding})";
            return null;
        }
        return new ConvGeometry(h, w, c, kernelHeight, kernelWidth, strideH, strideW, top, bottom, left, right);
    }
}
