namespace DistNN.Nn.Activations;

/// <summary>Identity: a = z; σ'(z) = 1. Dense fuses it away (a null activation); this type lets it appear as a layer.</summary>
public sealed class Linear : Activation
{
    public override string Name => "linear";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => z.CopyTo(a);

    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz) => da.CopyTo(dz);
}
