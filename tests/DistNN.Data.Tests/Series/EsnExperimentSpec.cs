using DistNN.Data.Series;

namespace DistNN.Data.Tests.Series;

public class EsnExperimentSpec
{
    [Fact]
    public void A_small_reservoir_predicts_mackey_glass_84_steps_ahead()
    {
        // A reduced version of the default experiment (1000 units reach ≈ 3e-5; these 200 units ≈ 2.6e-2; a network that
        // has not learnt the dynamics is off by more than the signal's standard deviation, NRMSE ≥ 1).
        var result = EsnExperiment.Run(new EsnOptions { Units = 200, Connectivity = 0.05, TrainLength = 2000, Washout = 500, TestRuns = 50, TestWashout = 300 });

        Assert.Equal(50, result.TestRuns);
        Assert.InRange(result.MeasuredSpectralRadius, 0.99, 1.01);
        Assert.True(result.Nrmse84 < 5e-2, $"NRMSE84 = {result.Nrmse84}");
    }
}
