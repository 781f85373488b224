namespace DistNN.Nn.Initializers;

/// <summary>
/// PyTorch's nn.Linear/nn.Conv2d default: kaiming_uniform with a = √5 gives U(−1/√fan_in, 1/√fan_in) for the
/// weights (Var = 1 / (3·fan_in)), and the bias is drawn from the same range rather than zeroed.
/// </summary>
public sealed class TorchDefaultInitializer : Initializer
{
    public override string Name => "torch_default";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) =>
        FillUniform(weights, 1.0 / Math.Sqrt(fanIn), rng);

    public override void FillBias(Span<float> bias, int fanIn, int fanOut, Random rng) =>
        FillUniform(bias, 1.0 / Math.Sqrt(fanIn), rng);
}
