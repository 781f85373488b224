using DistNN.Benchmarking;
using DistNN.Tensors;

namespace DistNN.Cli.Tests;

public class GemmBenchmarkSpec
{
    [Fact]
    public void Benchmark_reports_min_median_max_in_order_for_the_requested_shape()
    {
        GemmBenchmark.Result r = GemmBenchmark.Run(8, 16, 4, true, false, threads: 1, samples: 3, warmupSeconds: 0, CpuKernels.Best, sampleSeconds: 0.001);

        Assert.Equal((8, 16, 4, true, false), (r.M, r.N, r.K, r.TransA, r.TransB));
        Assert.True(r.GflopsMin > 0 && r.GflopsMin <= r.GflopsMedian && r.GflopsMedian <= r.GflopsMax, r.ToString());
    }

    [Fact]
    public void Benchmark_rejects_a_zero_size()
    {
        Assert.Throws<ArgumentException>(() => GemmBenchmark.Run(0, threads: 1));
    }
}
