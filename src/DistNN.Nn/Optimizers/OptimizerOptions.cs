namespace DistNN.Nn.Optimizers;

/// <summary>Optional settings for <see cref="OptimizerFactory.Create"/>; null means the optimizer's default.</summary>
public sealed record OptimizerOptions
{
    /// <summary>momentum/nesterov: μ (default 0.9).</summary>
    public float? Momentum { get; init; }

    /// <summary>adam: β₁, β₂ (defaults 0.9, 0.999).</summary>
    public float? Beta1 { get; init; }

    public float? Beta2 { get; init; }

    /// <summary>rmsprop: ρ (default 0.99).</summary>
    public float? Rho { get; init; }

    /// <summary>adagrad 1e−10, rmsprop and adam 1e−8 by default.</summary>
    public float? Epsilon { get; init; }

    public float L1 { get; init; }

    public float L2 { get; init; }
}
