using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DistNN.Tensors;

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
        int i = CpuKernels.Current switch
        {
            Isa.Avx512 => Quantize<CodecLanes512>(values, scale, destination),
            Isa.Avx2 => Quantize<CodecLanes256>(values, scale, destination),
            Isa.Vector128 => Quantize<CodecLanes128>(values, scale, destination),
            _ => 0,
        };
        for (; i < n; i++)
        {
            // Divide rather than multiply by 1 / s: for a subnormal s the reciprocal overflows.
            destination[i] = (sbyte)Math.Clamp(MathF.Round(values[i] / scale), -127f, 127f);
        }
    }

    /// <summary>
    /// The whole blocks of 4 registers of floats → 4 of int32 → 2 of int16 → 1 of sbyte (clamped first, so narrowing
    /// cannot wrap); returns where the scalar tail starts.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Quantize<TV>(ReadOnlySpan<float> values, float scale, Span<sbyte> destination)
        where TV : unmanaged, ICodecLanes<TV>
    {
        ref float x = ref MemoryMarshal.GetReference(values);
        ref sbyte q = ref MemoryMarshal.GetReference(destination);
        TV s = TV.Broadcast(scale), limit = TV.Broadcast(127f);
        int c = TV.Count, i = 0;
        for (; i <= values.Length - 4 * c; i += 4 * c)
        {
            TV low = TV.NarrowInt32(TV.RoundToInt32(TV.LoadFloats(ref x, (nuint)i), s, limit),
                TV.RoundToInt32(TV.LoadFloats(ref x, (nuint)(i + c)), s, limit));
            TV high = TV.NarrowInt32(TV.RoundToInt32(TV.LoadFloats(ref x, (nuint)(i + 2 * c)), s, limit),
                TV.RoundToInt32(TV.LoadFloats(ref x, (nuint)(i + 3 * c)), s, limit));
            TV.StoreBytes(TV.NarrowInt16(low, high), ref q, (nuint)i);
        }
        return i;
    }

    public static void Dequantize(ReadOnlySpan<sbyte> quantized, float scale, Span<float> destination)
    {
        int n = quantized.Length;
        destination = destination[..n];
        int i = CpuKernels.Current switch
        {
            Isa.Avx512 => Dequantize<CodecLanes512>(quantized, scale, destination),
            Isa.Avx2 => Dequantize<CodecLanes256>(quantized, scale, destination),
            Isa.Vector128 => Dequantize<CodecLanes128>(quantized, scale, destination),
            _ => 0,
        };
        for (; i < n; i++)
        {
            destination[i] = quantized[i] * scale;
        }
    }

    /// <summary>The whole blocks of 1 register of sbytes → 2 of int16 → 4 of int32 → 4 of floats; returns where the scalar tail starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Dequantize<TV>(ReadOnlySpan<sbyte> quantized, float scale, Span<float> destination)
        where TV : unmanaged, ICodecLanes<TV>
    {
        ref sbyte q = ref MemoryMarshal.GetReference(quantized);
        ref float d = ref MemoryMarshal.GetReference(destination);
        TV s = TV.Broadcast(scale);
        int c = TV.Count, i = 0;
        for (; i <= quantized.Length - 4 * c; i += 4 * c)
        {
            TV codes = TV.LoadBytes(ref q, (nuint)i);
            TV low = TV.WidenSBytes(codes, upper: false), high = TV.WidenSBytes(codes, upper: true);
            TV.StoreFloats(TV.ScaleInt32(TV.WidenInt16(low, upper: false), s), ref d, (nuint)i);
            TV.StoreFloats(TV.ScaleInt32(TV.WidenInt16(low, upper: true), s), ref d, (nuint)(i + c));
            TV.StoreFloats(TV.ScaleInt32(TV.WidenInt16(high, upper: false), s), ref d, (nuint)(i + 2 * c));
            TV.StoreFloats(TV.ScaleInt32(TV.WidenInt16(high, upper: true), s), ref d, (nuint)(i + 3 * c));
        }
        return i;
    }

    internal static void Dequantize(ReadOnlySpan<byte> quantized, float scale, Span<float> destination) =>
        Dequantize(MemoryMarshal.Cast<byte, sbyte>(quantized), scale, destination);
}
