using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Activations;

/// <summary>ReLU: a = max(0, z); σ'(z) = 1 if z > 0 else 0.</summary>
public sealed class Relu : Activation
{
    public override string Name => "relu";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Max(z, 0f, a);

    public override unsafe void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz)
    {
        int n = dz.Length;
        fixed (float* z0 = z)
        fixed (float* da0 = da)
        fixed (float* dz0 = dz)
        {
            Elementwise.Run(new Gradient(z0, da0, dz0), n);
        }
    }

    /// <summary>dz = da where z &gt; 0, else 0 (reads lane i of da before writing lane i of dz, so dz may alias da).</summary>
    private readonly unsafe struct Gradient(float* z, float* da, float* dz) : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long i)
            where TV : unmanaged, ISimd<TV> =>
            TV.Store(TV.Select(TV.GreaterThan(TV.Load(z + i), TV.Zero), TV.Load(da + i), TV.Zero), dz + i);
    }
}
