using System.Runtime.InteropServices;
using DistNN.Protocol.Codecs;
using DistNN.Tensors;

namespace DistNN.Protocol.Tests;

/// <summary>
/// The codecs' vector loops under each instruction set's width give the very bytes of the scalar loop, on lengths
/// that leave every kind of tail (none, a lane, a register, a block of registers and more).
/// </summary>
public class CodecsByIsaSpec
{
    private static readonly int[] s_lengths = [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000 + 3];

    public static TheoryData<Isa> Each { get; } = new(Enum.GetValues<Isa>());

    [SkippableTheory]
    [MemberData(nameof(Each))]
    public void Int8_quantization_gives_the_scalar_loops_bytes_under_each_instruction_set(Isa isa)
    {
        foreach (int n in s_lengths)
        {
            float[] values = Values(n, seed: n);
            float scale = Int8Quantizer.ScaleOf(values);
            // Exact halves of a quarter, many beyond ±127 quarters: ties to even and clamping on every lane.
            float[] ties = [.. Enumerable.Range(0, n).Select(i => (i % 301 - 150 + 0.5f) * 0.25f)];

            Assert.Equal(Run(Isa.Scalar, () => Quantize(values, scale)), Run(isa, () => Quantize(values, scale)));
            Assert.Equal(Run(Isa.Scalar, () => Quantize(ties, 0.25f)), Run(isa, () => Quantize(ties, 0.25f)));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Each))]
    public void Int8_dequantization_gives_the_scalar_loops_floats_under_each_instruction_set(Isa isa)
    {
        foreach (int n in s_lengths)
        {
            // Every code, −128 included, so sign extension is tested on each lane.
            sbyte[] codes = [.. Enumerable.Range(0, n).Select(i => (sbyte)(i * 37 + n))];

            float[] expected = Run(Isa.Scalar, () => Dequantize(codes, 3e-3f));
            float[] actual = Run(isa, () => Dequantize(codes, 3e-3f));

            Assert.True(TestData.BitwiseEqual(expected, actual), $"length {n}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Each))]
    public void Top_k_sends_the_scalar_loops_bytes_and_keeps_its_residual_under_each_instruction_set(Isa isa)
    {
        foreach (int n in s_lengths)
        {
            foreach (double fraction in new[] { 0.01, 0.3, 1.0 })
            {
                (byte[] Bytes, float[] Residual) expected = Run(Isa.Scalar, () => TopK(n, fraction));
                (byte[] Bytes, float[] Residual) actual = Run(isa, () => TopK(n, fraction));

                Assert.Equal(expected.Bytes, actual.Bytes);
                Assert.True(TestData.BitwiseEqual(expected.Residual, actual.Residual), $"length {n}, fraction {fraction}");
            }
        }
    }

    /// <summary>Random values with repeated magnitudes of both signs, an infinity and a NaN when long enough.</summary>
    private static float[] Values(int n, int seed)
    {
        float[] values = TestData.RandomFloats(n, seed);
        for (int i = 3; i < n; i += 5)
        {
            values[i] = -values[i - 3];
        }
        return values;
    }

    private static T Run<T>(Isa isa, Func<T> codec)
    {
        Skip.IfNot(CpuKernels.CanRun(isa),
            $"SKIPPED LOUDLY: this CPU ({CpuKernels.CpuModel}) cannot run the {CpuKernels.Name(isa)} loops, so they were NOT tested");
        using IDisposable forced = CpuKernels.Force(isa);
        return codec();
    }

    private static sbyte[] Quantize(float[] values, float scale)
    {
        var codes = new sbyte[values.Length];
        Int8Quantizer.Quantize(values, scale, codes);
        return codes;
    }

    private static float[] Dequantize(sbyte[] codes, float scale)
    {
        var values = new float[codes.Length];
        Int8Quantizer.Dequantize(codes, scale, values);
        return values;
    }

    /// <summary>Two pushes of one chunk (the second over a residual), every sent byte in order, and what is left owed.</summary>
    private static (byte[] Bytes, float[] Residual) TopK(int n, double fraction)
    {
        var compressor = new TopKCompressor(fraction);
        var bytes = new List<byte>();
        for (int push = 0; push < 2; push++)
        {
            float[] gradient = Values(n, seed: 7 * n + push);
            if (push == 1 && n > 20)
            {
                gradient[n / 2] = float.NaN;
                gradient[n / 3] = float.NegativeInfinity;
            }
            EncodedValues sent = compressor.Compress(0, gradient);
            bytes.AddRange(sent.Indices.Span);
            bytes.AddRange(sent.Codes.Span);
        }
        return ([.. bytes], compressor.ResidualOf(0).ToArray());
    }
}
