namespace DistNN.Data.Series;

/// <summary>
/// The Mackey–Glass (τ = 17) free-running prediction experiment of Jaeger &amp; Haas (2004): a generative echo state
/// network with output feedback, trained teacher forced, then run free from many test start points.
/// The defaults are the tuned setting (NRMSE84 ≈ 3e-5, i.e. 10^-4.5, over 100 runs with 1000 units).
/// </summary>
public sealed record EsnOptions
{
    public int Units { get; init; } = 1000;

    public double Connectivity { get; init; } = 0.01;

    public double SpectralRadius { get; init; } = 1.0;

    /// <summary>Scaling of the constant bias input's weights.</summary>
    public double BiasScaling { get; init; } = 0.2;

    /// <summary>Scaling of the output feedback weights (the only signal input of the generative network).</summary>
    public double FeedbackScaling { get; init; } = 1.0;

    public double LeakRate { get; init; } = 1.0;

    public double Ridge { get; init; } = 1e-10;

    /// <summary>Uniform noise inside tanh while training (stabilises free running).</summary>
    public double StateNoise { get; init; } = 1e-8;

    /// <summary>Teacher-forced steps for training, of which the first <see cref="Washout"/> are discarded.</summary>
    public int TrainLength { get; init; } = 4000;

    public int Washout { get; init; } = 1000;

    /// <summary>Independent test runs (distinct start points after the training segment).</summary>
    public int TestRuns { get; init; } = 100;

    /// <summary>Teacher-forced steps that synchronise the network before each free run.</summary>
    public int TestWashout { get; init; } = 1000;

    /// <summary>Steps between consecutive test start points.</summary>
    public int TestStride { get; init; } = 137;

    /// <summary>Free-running steps; the error is measured at the last one.</summary>
    public int Horizon { get; init; } = 84;

    /// <summary>The teacher is tanh(y + Shift) when <see cref="Squash"/>, else y + Shift (Jaeger &amp; Haas: tanh(y − 1)).</summary>
    public double Shift { get; init; } = -1;

    public bool Squash { get; init; } = true;

    /// <summary>Mackey–Glass integration step (time units); the series is sampled every time unit.</summary>
    public double IntegrationStep { get; init; } = 0.1;

    public int Seed { get; init; } = 42;
}
