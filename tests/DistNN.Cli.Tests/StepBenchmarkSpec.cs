using DistNN.Benchmarking;
using DistNN.Cli.Commands;
using DistNN.Tensors;

namespace DistNN.Cli.Tests;

public class StepBenchmarkSpec
{
    [Fact]
    public void Fresh_weights_arrive_in_another_array_with_the_same_values_and_the_arrays_rotate()
    {
        var tensor = new Tensor([3, 4]);
        for (int i = 0; i < tensor.Length; i++)
        {
            tensor.Span[i] = i * 0.5f - 1;
        }
        float[] before = tensor.Span.ToArray();
        var seen = new List<float[]> { tensor.Data };
        using (var arrival = new StepBenchmark.WeightArrival([tensor]))
        {
            for (int k = 0; k < StepBenchmark.WeightArrival.Rotation + 1; k++)
            {
                arrival.Arrive();
                Assert.Equal(before, tensor.Span.ToArray());
                seen.Add(tensor.Data);
            }
        }
        for (int k = 1; k < seen.Count; k++)
        {
            Assert.NotSame(seen[k - 1], seen[k]);
        }
        // The original array is left after the first arrival; then the rotation's arrays come round again.
        Assert.DoesNotContain(seen.Skip(1), a => ReferenceEquals(a, seen[0]));
        Assert.Same(seen[1], seen[1 + StepBenchmark.WeightArrival.Rotation]);
    }

    [Fact]
    public void A_step_bench_with_fresh_weights_reports_them_and_its_thread_cpu()
    {
        var (name, spec) = PlanFactory.ResolveModel("mlp");
        var r = StepBenchmark.Run(name, spec, batch: 8, threads: 1, seconds: 0.05, warmupSeconds: 0, freshWeights: true);

        Assert.True(r.FreshWeights);
        Assert.True(r.StepsTimed > 0);
        if (OperatingSystem.IsLinux())
        {
            Assert.True(r.MsThreadCpuPerStep >= 0 && double.IsFinite(r.MsThreadCpuPerStep), r.ToString());
        }
    }
}
