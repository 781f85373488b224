using System.Numerics;
using System.Numerics.Tensors;

namespace DistNN.Nn.Activations;

/// <summary>ReLU: a = max(0, z); σ'(z) = 1 if z > 0 else 0.</summary>
public sealed class Relu : Activation
{
    public override string Name => "relu";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Max(z, 0f, a);

    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz)
    {
        // dz = da where z > 0, else 0: a compare mask ANDed with the gradient bits.
        int n = dz.Length;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var positive = Vector.GreaterThan(new Vector<float>(z.Slice(i)), Vector<float>.Zero);
                Vector.ConditionalSelect(positive, new Vector<float>(da.Slice(i)), Vector<float>.Zero).CopyTo(dz.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            dz[i] = z[i] > 0f ? da[i] : 0f;
        }
    }
}
