using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Activations;

/// <summary>ReLU: a = max(0, z); σ'(z) = 1 if z > 0 else 0.</summary>
public sealed class Relu : Activation
{
    public override string Name => "relu";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Max(z, 0f, a);

    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz) =>
        Elementwise.Map<Gradient>(z, da, dz);

    /// <summary>dz = da where z &gt; 0, else 0, with x = z and y = da.</summary>
    private readonly struct Gradient : ILanewise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Apply<TV>(TV x, TV y)
            where TV : unmanaged, ISimd<TV> =>
            TV.Select(TV.GreaterThan(x, TV.Zero), y, TV.Zero);
    }
}
