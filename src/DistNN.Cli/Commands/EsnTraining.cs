using DistNN.Cli.Output;
using DistNN.Data.Series;

namespace DistNN.Cli.Commands;

/// <summary>
/// `distnn train --model esn --dataset mackey-glass`: an echo state network trained in closed form (ridge
/// regression) on Mackey–Glass τ = 17, scored by the NRMSE of free-running prediction 84 steps ahead.
/// </summary>
internal static class EsnTraining
{
    public static int Run(TrainSettings settings)
    {
        if (settings.Dataset.ToLowerInvariant() is not ("mackey-glass" or "mnist"))
        {
            throw new OptionException($"--dataset: the esn model trains on mackey-glass (got '{settings.Dataset}')");
        }
        if (settings.Reservoir is <= 0 or > 20_000)
        {
            throw new OptionException($"--reservoir must be between 1 and 20000 units (got {settings.Reservoir})");
        }
        var options = new EsnOptions { Units = settings.Reservoir, Seed = settings.Seed };
        Console.WriteLine($"distnn: esn with {options.Units} reservoir units on Mackey-Glass (tau 17), {options.TestRuns} free-running test runs of {options.Horizon} steps");
        var result = EsnExperiment.Run(options);
        Console.WriteLine($"NRMSE at {result.Horizon} steps: {result.Nrmse84:E3} (10^{result.Log10Nrmse84:F2}) over {result.TestRuns} runs; " +
                          $"teacher-forced training NRMSE {result.TrainNrmse:E2}; measured spectral radius {result.MeasuredSpectralRadius:F4}; {result.Elapsed.TotalSeconds:F1} s");
        if (settings.SummaryJson is not null)
        {
            JsonFiles.WriteAtomically(settings.SummaryJson, new
            {
                Model = "esn",
                Dataset = "mackey-glass",
                Nrmse84 = result.Nrmse84,
                Log10Nrmse84 = result.Log10Nrmse84,
                TrainNrmse = result.TrainNrmse,
                ReservoirUnits = options.Units,
                SpectralRadius = result.MeasuredSpectralRadius,
                TestRuns = result.TestRuns,
                Seed = options.Seed,
                WallSeconds = result.Elapsed.TotalSeconds,
            });
        }
        return 0;
    }
}
