namespace DistNN.Data.Series;

/// <summary>What <see cref="EsnExperiment.Run"/> measured.</summary>
public sealed record EsnResult
{
    /// <summary>NRMSE at the horizon over the test runs: sqrt(mean_j (y_j − ŷ_j)² / var(y)), on the original series.</summary>
    public required double Nrmse84 { get; init; }

    public double Log10Nrmse84 => Math.Log10(Nrmse84);

    /// <summary>One-step NRMSE of the readout on its (transformed) training teacher.</summary>
    public required double TrainNrmse { get; init; }

    /// <summary>NRMSE over all free-running steps 1…horizon of all runs (a smoother companion figure).</summary>
    public required double NrmseAllSteps { get; init; }

    public required double MeasuredSpectralRadius { get; init; }

    public required int TestRuns { get; init; }

    public required int Horizon { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required EsnOptions Options { get; init; }
}
