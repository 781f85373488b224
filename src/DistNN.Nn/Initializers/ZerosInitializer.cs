namespace DistNN.Nn.Initializers;

/// <summary>All zeros. Fine for biases; for weights it leaves every unit of a layer identical (no symmetry breaking).</summary>
public sealed class ZerosInitializer : Initializer
{
    public override string Name => "zeros";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) => weights.Clear();
}
