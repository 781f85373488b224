using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Activations;

/// <summary>Hyperbolic tangent: a = tanh z; σ'(z) = 1 − a².</summary>
public sealed class Tanh : Activation
{
    public override string Name => "tanh";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Tanh(z, a);

    public override unsafe void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz)
    {
        int n = dz.Length;
        fixed (float* a0 = a)
        fixed (float* da0 = da)
        fixed (float* dz0 = dz)
        {
            Elementwise.Run(new Gradient(a0, da0, dz0), n);
        }
    }

    /// <summary>dz = da ⊙ (1 − a²), one fused pass (reads lane i of da before writing lane i of dz, so dz may alias da).</summary>
    private readonly unsafe struct Gradient(float* a, float* da, float* dz) : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long i)
            where TV : unmanaged, ISimd<TV>
        {
            var av = TV.Load(a + i);
            TV.Store(TV.Load(da + i) * (TV.Broadcast(1f) - av * av), dz + i);
        }
    }
}
