using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// Symmetric 8-bit quantization with one scale per chunk: s = max|x| / 127 (as a float: rounded up when subnormal so
/// that |x / s| ≤ 127 still holds, and kept below float.MaxValue / 127 so that q · s stays finite), q = round(x / s) (to nearest, ties to even), x' = q · s, so |x − x'| ≤ s / 2 up to float
/// rounding. A chunk holding NaN or ±Inf gets scale NaN and decodes to NaN everywhere,
/// so a diverging gradient stays visible to the server rather than being silently clipped.
/// </summary>
public static class Int8Quantizer
{
    private const int Block = 1024;
    private const float SmallestNormal = 1.17549435e-38f;

    public static float ScaleOf(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return 0f;
        }
        float max = MathF.Abs(TensorPrimitives.MaxMagnitude(values));
        if (!float.IsFinite(max))
        {
            return float.NaN;
        }
        double exact = max / 127.0;
        float scale = (float)exact;
        if (scale < SmallestNormal && scale < exact)
        {
            scale = MathF.BitIncrement(scale);
        }
        if (127.0 * scale > float.MaxValue)
        {
            scale = MathF.BitDecrement(scale);
        }
        return scale;
    }

    public static void Quantize(ReadOnlySpan<float> values, float scale, Span<sbyte> destination)
    {
        if (!(scale > 0) || !float.IsFinite(scale))
        {
            destination[..values.Length].Clear();
            return;
        }
        Span<float> block = stackalloc float[Block];
        for (int start = 0; start < values.Length; start += Block)
        {
            int n = Math.Min(Block, values.Length - start);
            Span<float> t = block[..n];
            // Divide rather than multiply by 1 / s: for a subnormal s the reciprocal overflows.
            TensorPrimitives.Divide(values.Slice(start, n), scale, t);
            TensorPrimitives.Round(t, t);
            // |x| / s ≤ 127 by the choice of s; saturation is only a guard.
            TensorPrimitives.ConvertSaturating<float, sbyte>(t, destination.Slice(start, n));
        }
    }

    public static void Dequantize(ReadOnlySpan<sbyte> quantized, float scale, Span<float> destination)
    {
        Span<float> d = destination[..quantized.Length];
        TensorPrimitives.ConvertTruncating<sbyte, float>(quantized, d);
        TensorPrimitives.Multiply(d, scale, d);
    }

    internal static void Dequantize(ReadOnlySpan<byte> quantized, float scale, Span<float> destination) =>
        Dequantize(MemoryMarshal.Cast<byte, sbyte>(quantized), scale, destination);
}
