using System.Diagnostics;
using DistNN.Tensors;

namespace DistNN.Benchmarking;

/// <summary>
/// GEMM throughput the way the PyTorch reference script measures it (bench/gemm_ref.py): random U(0,1)
/// matrices, one second of warm-up, then samples of enough repetitions to take ~0.3 s each (the script assumes
/// 100 GFLOP/s to size them; here the warm-up's own speed does, so small shapes do not run for minutes).
/// </summary>
public static class GemmBenchmark
{
    /// <summary>
    /// GFLOP/s over the samples (2·m·n·k flops per multiply), the instruction set and register kernel that ran, the
    /// CPU, and how many entries of C were checked against a double-precision dot product before timing.
    /// </summary>
    public sealed record Result(
        int M, int N, int K, bool TransA, bool TransB, int Threads,
        double GflopsMedian, double GflopsMin, double GflopsMax, int RepetitionsPerSample, string Kernel,
        string Isa, string Cpu, int CheckedEntries);

    /// <summary>Entries of C compared with the double-precision product before timing.</summary>
    private const int CheckedEntries = 64;

    /// <summary>Square n×n single-precision A·B on <paramref name="threads"/> threads.</summary>
    public static Result Run(int n, int threads, int samples = 9) => Run(n, n, n, false, false, threads, samples);

    /// <summary>C (m×n) = op(A)·op(B) with op(A) m×k and op(B) k×n, stored densely.</summary>
    public static Result Run(int m, int n, int k, bool transA, bool transB, int threads, int samples = 9, double warmupSeconds = 1.0)
        => Run(m, n, k, transA, transB, threads, samples, warmupSeconds, CpuKernels.Current);

    /// <summary>The same on the kernels of <paramref name="isa"/>, each sample taking about <paramref name="sampleSeconds"/>.</summary>
    public static Result Run(
        int m, int n, int k, bool transA, bool transB, int threads, int samples, double warmupSeconds, Isa isa, double sampleSeconds = 0.3)
    {
        if (m <= 0 || n <= 0 || k <= 0 || threads <= 0 || samples <= 0)
        {
            throw new ArgumentException($"benchmark needs positive sizes, threads and samples (m={m}, n={n}, k={k}, threads={threads}, samples={samples})");
        }
        using var forced = CpuKernels.Force(isa);
        int previousThreads = ComputeThreads.Current;
        ComputeThreads.Current = threads;
        try
        {
            return Measure(m, n, k, transA, transB, threads, samples, warmupSeconds, isa, sampleSeconds);
        }
        finally
        {
            ComputeThreads.Current = previousThreads;
        }
    }

    private static Result Measure(
        int m, int n, int k, bool transA, bool transB, int threads, int samples, double warmupSeconds, Isa isa, double sampleSeconds)
    {
        var rng = new Random(42);
        float[] a = RandomMatrix(rng, m * k);
        float[] b = RandomMatrix(rng, k * n);
        float[] c = new float[m * n];
        int lda = transA ? m : k;
        int ldb = transB ? k : n;
        void Once() => Gemm.Multiply(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);

        double flop = 2.0 * m * n * k;
        long warmupStart = Stopwatch.GetTimestamp();
        long warmupEnd = warmupStart + (long)(warmupSeconds * Stopwatch.Frequency);
        long calls = 0;
        do
        {
            Once();
            calls++;
        }
        while (Stopwatch.GetTimestamp() < warmupEnd);
        double secondsPerCall = Stopwatch.GetElapsedTime(warmupStart).TotalSeconds / calls;
        Check(m, n, k, transA, transB, a, b, c, isa);

        int reps = (int)Math.Clamp(sampleSeconds / secondsPerCall, 1, int.MaxValue);
        var rates = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int r = 0; r < reps; r++)
            {
                Once();
            }
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            rates[s] = flop * reps / seconds / 1e9;
        }
        Array.Sort(rates);
        double median = Medians.Of(rates);
        return new Result(m, n, k, transA, transB, threads, median, rates[0], rates[^1], reps, Gemm.KernelName(isa),
            CpuKernels.Name(isa), CpuKernels.CpuModel, Math.Min(CheckedEntries, m * n));
    }

    /// <summary>
    /// A fast wrong kernel must not report a figure: a sample of C's entries against the double-precision dot
    /// product, within a float32 dot product's worst-case rounding (k + 2)·2⁻²³·Σ|a||b|.
    /// </summary>
    private static void Check(int m, int n, int k, bool transA, bool transB, float[] a, float[] b, float[] c, Isa isa)
    {
        var rng = new Random(7);
        for (int s = 0; s < Math.Min(CheckedEntries, m * n); s++)
        {
            int i = rng.Next(m), j = rng.Next(n);
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double product = (double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                sum += product;
                magnitude += Math.Abs(product);
            }
            double error = Math.Abs(c[i * n + j] - sum);
            if (!(error <= (k + 2) * 1.2e-7 * magnitude + 1e-30))
            {
                throw new InvalidOperationException(
                    $"GEMM on {Gemm.KernelName(isa)} gave C[{i},{j}] = {c[i * n + j]}, expected {sum} (error {error:E2}): not benchmarking a wrong kernel");
            }
        }
    }

    /// <summary>A matrix of U(0,1) floats, as the reference script draws them.</summary>
    internal static float[] RandomMatrix(Random rng, int length)
    {
        var data = new float[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = rng.NextSingle();
        }
        return data;
    }
}
