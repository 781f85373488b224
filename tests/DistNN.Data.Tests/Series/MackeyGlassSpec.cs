using DistNN.Data.Series;

namespace DistNN.Data.Tests.Series;

public class MackeyGlassSpec
{
    [Fact]
    public void Series_stays_on_the_tau_17_attractor()
    {
        var y = new MackeyGlass().Generate(2000);

        Assert.All(y, v => Assert.InRange(v, 0.2, 1.45));
        double mean = y.Average();
        double std = Math.Sqrt(y.Sum(v => (v - mean) * (v - mean)) / y.Length);
        Assert.InRange(mean, 0.85, 0.95);
        Assert.InRange(std, 0.18, 0.28);
    }

    [Fact]
    public void Integration_has_converged_at_step_0_1()
    {
        var coarse = new MackeyGlass { Dt = 0.1, Transient = 0 }.Generate(300);
        var fine = new MackeyGlass { Dt = 0.025, Transient = 0 }.Generate(300);

        for (int i = 0; i < coarse.Length; i++)
        {
            Assert.True(Math.Abs(coarse[i] - fine[i]) < 1e-4, $"sample {i}: {coarse[i]} vs {fine[i]}");
        }
    }

    [Fact]
    public void Sine_series_and_set_have_the_requested_shape()
    {
        var s = SineWaves.Series(5, period: 4);
        var set = SineWaves.Classification(count: 50, time: 16, classes: 3, seed: 1);

        Assert.Equal([0, 1, 0, -1, 0], s.Select(v => Math.Round(v, 12)).ToArray());
        Assert.Equal([16, 1], set.SampleShape);
        Assert.Equal(50, set.Count);
        Assert.True(set.Labels.Distinct().Count() == 3);
    }
}
