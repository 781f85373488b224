using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// Symmetric 8-bit quantization with one scale per chunk: s = max|x| / 127, q = round(x / s) (to nearest, ties to
/// even), x' = q · s, so |x − x'| ≤ s / 2. A chunk holding NaN or ±Inf gets scale NaN and decodes to NaN everywhere,
/// so a diverging gradient stays visible to the server rather than being silently clipped.
/// </summary>
public static class Int8Quantizer
{
    private const int Block = 1024;

    public static float ScaleOf(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return 0f;
        }
        float max = MathF.Abs(TensorPrimitives.MaxMagnitude(values));
        return float.IsFinite(max) ? max / 127f : float.NaN;
    }

    public static void Quantize(ReadOnlySpan<float> values, float scale, Span<sbyte> destination)
    {
        if (!(scale > 0) || !float.IsFinite(scale))
        {
            destination[..values.Length].Clear();
            return;
        }
        float inverse = 1f / scale;
        Span<float> block = stackalloc float[Block];
        for (int start = 0; start < values.Length; start += Block)
        {
            int n = Math.Min(Block, values.Length - start);
            Span<float> t = block[..n];
            TensorPrimitives.Multiply(values.Slice(start, n), inverse, t);
            TensorPrimitives.Round(t, t);
            // |x| / s ≤ 127 (+ rounding), so saturation only guards the last ulp.
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
