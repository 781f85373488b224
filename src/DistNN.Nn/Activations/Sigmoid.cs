using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Activations;

/// <summary>Logistic sigmoid: a = 1 / (1 + e^−z); σ'(z) = a(1 − a).</summary>
public sealed class Sigmoid : Activation
{
    public override string Name => "sigmoid";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Sigmoid(z, a);

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

    /// <summary>dz = da ⊙ a ⊙ (1 − a), one fused pass (reads lane i of da before writing lane i of dz, so dz may alias da).</summary>
    private readonly unsafe struct Gradient(float* a, float* da, float* dz) : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long i)
            where TV : unmanaged, ISimd<TV>
        {
            var av = TV.Load(a + i);
            TV.Store(TV.Load(da + i) * av * (TV.Broadcast(1f) - av), dz + i);
        }
    }
}
