using System.Numerics;
using System.Numerics.Tensors;

namespace DistNN.Nn.Activations;

/// <summary>Hyperbolic tangent: a = tanh z; σ'(z) = 1 − a².</summary>
public sealed class Tanh : Activation
{
    public override string Name => "tanh";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Tanh(z, a);

    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz)
    {
        // One fused pass; reads index i of da before writing index i of dz, so dz may alias da.
        int n = dz.Length;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var av = new Vector<float>(a.Slice(i));
                (new Vector<float>(da.Slice(i)) * (Vector<float>.One - av * av)).CopyTo(dz.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            dz[i] = da[i] * (1f - a[i] * a[i]);
        }
    }
}
