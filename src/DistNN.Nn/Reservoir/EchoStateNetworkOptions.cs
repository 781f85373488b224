namespace DistNN.Nn.Reservoir;

/// <summary>
/// The knobs of an <see cref="EchoStateNetwork"/> (Jaeger 2001; Lukoševičius 2012, "A practical guide to applying
/// echo state networks"). Weights are drawn uniform in ±scaling; the reservoir is then rescaled to <see cref="SpectralRadius"/>.
/// </summary>
public sealed record EchoStateNetworkOptions
{
    /// <summary>Reservoir size N.</summary>
    public int Units { get; init; } = 1000;

    /// <summary>External inputs K (0 for a purely generative network driven by output feedback).</summary>
    public int Inputs { get; init; }

    /// <summary>Outputs L of the linear readout.</summary>
    public int Outputs { get; init; } = 1;

    /// <summary>Fraction of nonzero recurrent weights (each unit has round(connectivity · N) inputs).</summary>
    public double Connectivity { get; init; } = 0.01;

    /// <summary>Target ρ(W) after rescaling; below 1 for the echo state property in most settings.</summary>
    public double SpectralRadius { get; init; } = 0.8;

    /// <summary>Input weights uniform in ±InputScaling.</summary>
    public double InputScaling { get; init; } = 1.0;

    /// <summary>Weights of the constant bias input (value 1) uniform in ±BiasScaling.</summary>
    public double BiasScaling { get; init; } = 0.2;

    /// <summary>Output feedback weights uniform in ±FeedbackScaling; 0 turns feedback off.</summary>
    public double FeedbackScaling { get; init; }

    /// <summary>Leak rate a: x ← (1 − a)·x + a·tanh(…); 1 is the plain (non-leaky) reservoir.</summary>
    public double LeakRate { get; init; } = 1.0;

    /// <summary>Ridge penalty λ of the readout.</summary>
    public double Ridge { get; init; } = 1e-8;

    /// <summary>Uniform noise in ±StateNoise added inside tanh while teacher forcing, which stabilises free running.</summary>
    public double StateNoise { get; init; }

    /// <summary>Whether the readout sees the external input besides the bias and the reservoir state.</summary>
    public bool ReadoutFromInput { get; init; } = true;

    public int Seed { get; init; } = 1;
}
