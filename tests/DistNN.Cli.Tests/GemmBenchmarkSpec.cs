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

public class GemmAgainstBuildSpec
{
    private static readonly string ThisBuildsTensors = typeof(Gemm).Assembly.Location;

    [Fact]
    public void This_build_against_its_own_assembly_in_another_context_gives_the_same_product_and_a_ratio_per_pair()
    {
        GemmAgainstBuild.Result r = GemmAgainstBuild.Run(48, 1, ThisBuildsTensors, pairs: 3, sampleSeconds: 0.001, warmupSeconds: 0.01);

        Assert.Equal(0, r.LargestDifference);
        Assert.Equal(ThisBuildsTensors, r.OtherBuild);
        Assert.Equal(3, r.PairRatios.Length);
        Assert.All(r.PairRatios, x => Assert.True(x > 0 && double.IsFinite(x), r.ToString()));
        Assert.True(r.GflopsMedian > 0 && r.OtherGflopsMedian > 0, r.ToString());
        if (OperatingSystem.IsLinux())
        {
            Assert.NotNull(r.CpuTimePairRatios);
            Assert.Equal(3, r.CpuTimePairRatios!.Length);
        }
    }

    [Fact]
    public void A_folder_without_the_tensors_assembly_is_refused_by_name()
    {
        string empty = Directory.CreateTempSubdirectory("gemm-against-").FullName;
        try
        {
            var e = Assert.Throws<ArgumentException>(() => GemmAgainstBuild.Run(16, 1, empty, pairs: 1));
            Assert.Contains(empty, e.Message);
            Assert.Contains("DistNN.Tensors.dll", e.Message);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    [Fact]
    public void An_assembly_that_is_not_a_distnn_build_is_refused()
    {
        string xunit = typeof(FactAttribute).Assembly.Location;
        var e = Assert.Throws<InvalidOperationException>(() => GemmAgainstBuild.Run(16, 1, xunit, pairs: 1));
        Assert.Contains("not a DistNN build", e.Message);
    }
}
