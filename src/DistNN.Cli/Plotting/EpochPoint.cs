namespace DistNN.Cli.Plotting;

/// <summary>One epoch's losses and accuracies, as a metrics line holds them.</summary>
internal sealed record EpochPoint(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy);

/// <summary>A run's epochs under the name its curves are labelled with.</summary>
internal sealed record RunCurves(string Label, IReadOnlyList<EpochPoint> Epochs);
