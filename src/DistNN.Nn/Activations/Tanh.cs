using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Activations;

/// <summary>Hyperbolic tangent: a = tanh z; σ'(z) = 1 − a².</summary>
public sealed class Tanh : Activation
{
    public override string Name => "tanh";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Tanh(z, a);

    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz) =>
        Elementwise.Map<Gradient>(a, da, dz);

    /// <summary>dz = da ⊙ (1 − a²), with x = a and y = da.</summary>
    internal readonly struct Gradient : ILanewise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Apply<TV>(TV x, TV y)
            where TV : unmanaged, ISimd<TV> =>
            y * (TV.Broadcast(1f) - x * x);
    }
}
