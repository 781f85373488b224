using DistNN.Tensors.Kernels;

namespace DistNN.Tensors.Tests;

/// <summary>Random operands, the reference product, and a per-element float32 rounding bound for comparing against it.</summary>
internal sealed class GemmCase
{
    public GemmCase(int m, int n, int k, bool transA, bool transB, float alpha = 1f, float beta = 0f, int padA = 0, int padB = 0, int padC = 0, int seed = 1)
    {
        (M, N, K, TransA, TransB, Alpha, Beta) = (m, n, k, transA, transB, alpha, beta);
        Lda = (transA ? m : k) + padA;
        Ldb = (transB ? k : n) + padB;
        Ldc = n + padC;
        var rng = new Random(seed);
        A = RandomSigned(rng, Math.Max(1, (transA ? k : m) * Lda));
        B = RandomSigned(rng, Math.Max(1, (transB ? n : k) * Ldb));
        C0 = RandomSigned(rng, Math.Max(1, m * Ldc));
    }

    public int M { get; }
    public int N { get; }
    public int K { get; }
    public bool TransA { get; }
    public bool TransB { get; }
    public float Alpha { get; }
    public float Beta { get; }
    public int Lda { get; }
    public int Ldb { get; }
    public int Ldc { get; }
    public float[] A { get; }
    public float[] B { get; }
    public float[] C0 { get; }

    public float[] Run(GemmKernel kernel, int threads)
    {
        var c = (float[])C0.Clone();
        Gemm.Multiply(TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, c, Ldc, kernel, threads);
        return c;
    }

    /// <summary>Through the public entry point, on the kernels of <paramref name="isa"/> forced for this thread.</summary>
    public float[] RunForced(Isa isa, int threads)
    {
        var c = (float[])C0.Clone();
        using var forced = CpuKernels.Force(isa);
        int previous = ComputeThreads.Current;
        ComputeThreads.Current = threads;
        try
        {
            Gemm.Multiply(TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, c, Ldc);
        }
        finally
        {
            ComputeThreads.Current = previous;
        }
        return c;
    }

    /// <summary>
    /// Checks c against the double-precision reference within |alpha|·k·2⁻²³·Σ|a||b| + |beta·c|·2⁻²³ per element
    /// (a float32 dot product's worst-case rounding), and that the padding between rows of C is untouched.
    /// </summary>
    public void AssertMatchesReference(float[] c)
    {
        var (expected, magnitude) = _reference ??= Reference();
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < Ldc; j++)
            {
                int at = i * Ldc + j;
                if (j >= N)
                {
                    if (C0[at] != c[at])
                    {
                        Assert.Fail($"padding C[{i},{j}] was overwritten");
                    }
                    continue;
                }
                double tolerance = Math.Abs(Alpha) * (K + 2) * magnitude[at] * 1.2e-7 + Math.Abs(Beta * C0[at]) * 1.2e-7 + 1e-30;
                double error = Math.Abs((double)c[at] - expected[at]);
                if (!(error <= tolerance))
                {
                    Assert.Fail($"C[{i},{j}] = {c[at]}, expected {expected[at]} (error {error:E2} > {tolerance:E2}) for {this}");
                }
            }
        }
    }

    // The double-precision product and Σ|a||b|, computed once however many kernels are checked against them.
    private (float[] Expected, float[] Magnitude)? _reference;

    private (float[] Expected, float[] Magnitude) Reference()
    {
        var expected = (float[])C0.Clone();
        GemmReference.Multiply(TransA, TransB, M, N, K, Alpha, A, Lda, B, Ldb, Beta, expected, Ldc);
        var magnitude = new float[Math.Max(1, M * Ldc)];
        GemmReference.Multiply(TransA, TransB, M, N, K, 1f, Abs(A), Lda, Abs(B), Ldb, 0f, magnitude, Ldc);
        return (expected, magnitude);
    }

    public override string ToString() =>
        $"{M}×{N}×{K} transA={TransA} transB={TransB} alpha={Alpha} beta={Beta} lda={Lda} ldb={Ldb} ldc={Ldc}";

    /// <summary>Every register kernel by name, the alternative tile shapes included, whether or not this machine runs it.</summary>
    public static TheoryData<string> KernelNames() => new(GemmKernel.All.Select(k => k.Name));

    /// <summary>The named kernel; skipped, loudly and by name, when this CPU cannot run its instruction set.</summary>
    public static GemmKernel Runnable(string name)
    {
        GemmKernel kernel = GemmKernel.All.Single(k => k.Name == name);
        Skip.IfNot(CpuKernels.CanRun(kernel.Isa),
            $"SKIPPED LOUDLY: the {name} GEMM kernel needs {CpuKernels.Name(kernel.Isa)}; this CPU ({CpuKernels.CpuModel}) runs at most {CpuKernels.Name(CpuKernels.Best)}");
        return kernel;
    }

    /// <summary>The kernels of every instruction set this machine runs, the alternatives included.</summary>
    public static IEnumerable<GemmKernel> RunnableKernels() => GemmKernel.All.Where(k => CpuKernels.CanRun(k.Isa));

    private static float[] RandomSigned(Random rng, int length)
    {
        var data = new float[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = rng.NextSingle() * 2f - 1f;
        }
        return data;
    }

    private static float[] Abs(float[] x) => x.Select(Math.Abs).ToArray();
}
