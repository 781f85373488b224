using System.Numerics.Tensors;

namespace DistNN.Nn.Activations;

/// <summary>ReLU: a = max(0, z); σ'(z) = 1 if z > 0 else 0.</summary>
public sealed class Relu : Activation
{
    public override string Name => "relu";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Max(z, 0f, a);

    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz)
    {
        for (int i = 0; i < dz.Length; i++)
        {
            dz[i] = z[i] > 0f ? da[i] : 0f;
        }
    }
}
