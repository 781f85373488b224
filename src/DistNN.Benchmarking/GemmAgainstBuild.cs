using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using DistNN.Tensors;

namespace DistNN.Benchmarking;

/// <summary>
/// This build's GEMM against another build's, in one process: the other build's DistNN.Tensors is loaded into its own
/// load context and both multiply the same matrices, alternating sample by sample (ABBA), so a drift of the CPU's
/// speed over the run (frequency, a neighbour) falls on both alike. Separate processes run minutes apart could not
/// resolve a 2 % difference on a machine whose speed moves 15 % from minute to minute. Both sides go through the
/// public <c>Gemm.Multiply</c> with their own kernel choice and <c>ComputeThreads.Current</c> set to the same count.
/// On one thread each sample also takes the calling thread's CPU time (Linux), which a neighbour's load does not
/// stretch the way it stretches wall time: the CPU-time ratio is the sharper of the two on a shared machine.
/// </summary>
public static partial class GemmAgainstBuild
{
    /// <summary>
    /// GFLOP/s of both builds (medians over the samples) and the ratio this/other of each adjacent pair of samples,
    /// with its median: above 1 means this build is faster.
    /// </summary>
    public sealed record Result(
        int N, int Threads, string OtherBuild, double GflopsMedian, double OtherGflopsMedian, double RatioMedian,
        double[] PairRatios, double? CpuTimeRatioMedian, double[]? CpuTimePairRatios, int RepetitionsPerSample, string Kernel,
        string Cpu, double LargestDifference);

    private delegate void MultiplyFn(
        bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc);

    /// <summary>n×n A·B on <paramref name="threads"/> threads, <paramref name="pairs"/> pairs of samples of about 0.3 s each.</summary>
    public static Result Run(int n, int threads, string otherTensorsDll, int pairs = 10, double sampleSeconds = 0.3, double warmupSeconds = 2)
    {
        if (n <= 0 || threads <= 0 || pairs <= 0)
        {
            throw new ArgumentException($"--gemm-against needs positive sizes, threads and pairs (n={n}, threads={threads}, pairs={pairs})");
        }
        string path = ResolveTensorsDll(otherTensorsDll);
        var context = new OtherBuildContext(path);
        Assembly other = context.LoadFromAssemblyPath(path);
        MultiplyFn theirs = BindMultiply(other, path);
        PropertyInfo theirThreads = other.GetType("DistNN.Tensors.ComputeThreads")?.GetProperty("Current")
            ?? throw new InvalidOperationException($"{path} has no DistNN.Tensors.ComputeThreads.Current: not a DistNN build");
        MultiplyFn ours = Gemm.Multiply;

        int previous = ComputeThreads.Current;
        object? theirPrevious = theirThreads.GetValue(null);
        ComputeThreads.Current = threads;
        theirThreads.SetValue(null, threads);
        try
        {
            return Measure(n, threads, path, ours, theirs, pairs, sampleSeconds, warmupSeconds);
        }
        finally
        {
            ComputeThreads.Current = previous;
            theirThreads.SetValue(null, theirPrevious);
        }
    }

    private static Result Measure(
        int n, int threads, string path, MultiplyFn ours, MultiplyFn theirs, int pairs, double sampleSeconds, double warmupSeconds)
    {
        var rng = new Random(42);
        float[] a = GemmBenchmark.RandomMatrix(rng, n * n);
        float[] b = GemmBenchmark.RandomMatrix(rng, n * n);
        float[] cOurs = new float[n * n];
        float[] cTheirs = new float[n * n];
        void Ours() => ours(false, false, n, n, n, 1f, a, n, b, n, 0f, cOurs, n);
        void Theirs() => theirs(false, false, n, n, n, 1f, a, n, b, n, 0f, cTheirs, n);

        // Warm both up (JIT, packing buffers), alternating, half the time each; time a call of this build from it.
        double secondsPerCall = 0;
        double quarter = warmupSeconds / 8;
        for (int w = 0; w < 4; w++)
        {
            SecondsPerCall(Ours, quarter / 2);
            secondsPerCall = Math.Max(secondsPerCall, SecondsPerCall(Ours, quarter / 2));
            SecondsPerCall(Theirs, quarter);
        }
        double difference = LargestDifference(cOurs, cTheirs);
        if (!(difference <= n * 1.2e-7 * n))
        {
            throw new InvalidOperationException($"the two builds' products differ by {difference:E2} (C of {n}×{n}): not comparing unequal kernels");
        }

        int reps = (int)Math.Clamp(sampleSeconds / secondsPerCall, 1, int.MaxValue);
        double flop = 2.0 * n * n * n * reps;
        var mine = new double[pairs];
        var others = new double[pairs];
        var ratios = new double[pairs];
        bool cpuTime = threads == 1 && ThreadCpuClock.Seconds() is not null;
        var cpuRatios = new double[pairs];
        for (int p = 0; p < pairs; p++)
        {
            // ABBA: the one that goes second in a pair goes first in the next.
            (double Wall, double Cpu) o, t;
            if (p % 2 == 0)
            {
                o = Repeat(Ours, reps);
                t = Repeat(Theirs, reps);
            }
            else
            {
                t = Repeat(Theirs, reps);
                o = Repeat(Ours, reps);
            }
            mine[p] = flop / o.Wall / 1e9;
            others[p] = flop / t.Wall / 1e9;
            ratios[p] = mine[p] / others[p];
            cpuRatios[p] = t.Cpu / o.Cpu;
        }
        return new Result(n, threads, path, Medians.Of(mine), Medians.Of(others), Medians.Of(ratios), Rounded(ratios),
            cpuTime ? Medians.Of(cpuRatios) : null, cpuTime ? Rounded(cpuRatios) : null,
            reps, Gemm.KernelName(CpuKernels.Current), CpuKernels.CpuModel, difference);
    }

    /// <summary>The other build's Tensors assembly: the dll itself, or a folder holding DistNN.Tensors.dll (a build's bin folder).</summary>
    private static string ResolveTensorsDll(string given)
    {
        string path = Directory.Exists(given) ? Path.Combine(given, "DistNN.Tensors.dll") : given;
        if (!File.Exists(path))
        {
            throw new ArgumentException($"--gemm-against {given}: no such file (give another build's DistNN.Tensors.dll or the folder holding it)");
        }
        return Path.GetFullPath(path);
    }

    private static MultiplyFn BindMultiply(Assembly other, string path)
    {
        Type[] signature = typeof(MultiplyFn).GetMethod("Invoke")!.GetParameters().Select(p => p.ParameterType).ToArray();
        MethodInfo method = other.GetType("DistNN.Tensors.Gemm")?.GetMethod("Multiply", BindingFlags.Public | BindingFlags.Static, signature)
            ?? throw new InvalidOperationException($"{path} has no public DistNN.Tensors.Gemm.Multiply of the usual signature: not a DistNN build");
        return method.CreateDelegate<MultiplyFn>();
    }

    private static double SecondsPerCall(Action once, double seconds)
    {
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(seconds * Stopwatch.Frequency);
        int calls = 0;
        do
        {
            once();
            calls++;
        }
        while (Stopwatch.GetTimestamp() < end);
        return Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
    }

    /// <summary>Wall seconds and the calling thread's CPU seconds (0 where the OS does not say) of reps calls.</summary>
    private static (double Wall, double Cpu) Repeat(Action once, int reps)
    {
        double cpu0 = ThreadCpuClock.Seconds() ?? 0;
        long start = Stopwatch.GetTimestamp();
        for (int r = 0; r < reps; r++)
        {
            once();
        }
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return (wall, (ThreadCpuClock.Seconds() ?? 0) - cpu0);
    }

    private static double[] Rounded(double[] values) => values.Select(r => Math.Round(r, 4)).ToArray();

    private static double LargestDifference(float[] x, float[] y)
    {
        double largest = 0;
        for (int i = 0; i < x.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(x[i] - y[i]));
        }
        return largest;
    }

    /// <summary>Loads the other build's DistNN.Tensors alone; its framework and package dependencies come from this process.</summary>
    private sealed class OtherBuildContext(string path) : AssemblyLoadContext($"other build: {path}")
    {
        protected override Assembly? Load(AssemblyName name) => null;
    }
}
