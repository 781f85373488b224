using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
        int n = values.Length;
        destination = destination[..n];
        if (!(scale > 0) || !float.IsFinite(scale))
        {
            destination.Clear();
            return;
        }
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // 32 floats → 4 × int32 vectors → 2 × int16 → 1 × sbyte vector; clamped first, so narrowing cannot wrap.
            ref float x = ref MemoryMarshal.GetReference(values);
            ref sbyte q = ref MemoryMarshal.GetReference(destination);
            var s = Vector256.Create(scale);
            for (; i <= n - 32; i += 32)
            {
                Vector256<short> low = Vector256.Narrow(Quantize(ref x, i, s), Quantize(ref x, i + 8, s));
                Vector256<short> high = Vector256.Narrow(Quantize(ref x, i + 16, s), Quantize(ref x, i + 24, s));
                Vector256.Narrow(low, high).StoreUnsafe(ref q, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            // Divide rather than multiply by 1 / s: for a subnormal s the reciprocal overflows.
            destination[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scale), -127f, 127f);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Quantize(ref float x, int offset, Vector256<float> scale)
    {
        Vector256<float> v = Vector256.Round(Vector256.LoadUnsafe(ref x, (nuint)offset) / scale);
        return Vector256.ConvertToInt32(Vector256.Clamp(v, Vector256.Create(-127f), Vector256.Create(127f)));
    }

    public static void Dequantize(ReadOnlySpan<sbyte> quantized, float scale, Span<float> destination)
    {
        int n = quantized.Length;
        destination = destination[..n];
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref sbyte q = ref MemoryMarshal.GetReference(quantized);
            ref float d = ref MemoryMarshal.GetReference(destination);
            var s = Vector256.Create(scale);
            for (; i <= n - 16; i += 16)
            {
                Vector256<short> wide = Vector256.WidenLower(Vector256.Create(Vector128.LoadUnsafe(ref q, (nuint)i), Vector128<sbyte>.Zero));
                (Vector256<int> low, Vector256<int> high) = Vector256.Widen(wide);
                (Vector256.ConvertToSingle(low) * s).StoreUnsafe(ref d, (nuint)i);
                (Vector256.ConvertToSingle(high) * s).StoreUnsafe(ref d, (nuint)(i + 8));
            }
        }
        for (; i < n; i++)
        {
            destination[i] = quantized[i] * scale;
        }
    }

    internal static void Dequantize(ReadOnlySpan<byte> quantized, float scale, Span<float> destination) =>
        Dequantize(MemoryMarshal.Cast<byte, sbyte>(quantized), scale, destination);
}
