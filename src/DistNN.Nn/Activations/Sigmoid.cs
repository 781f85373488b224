using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Activations;

/// <summary>Logistic sigmoid: a = 1 / (1 + e^−z); σ'(z) = a(1 − a).</summary>
public sealed class Sigmoid : Activation
{
    public override string Name => "sigmoid";

    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => TensorPrimitives.Sigmoid(z, a);

    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz) =>
        Elementwise.Map<Gradient>(a, da, dz);

    /// <summary>dz = da ⊙ a ⊙ (1 − a), with x = a and y = da.</summary>
    private readonly struct Gradient : ILanewise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TV Apply<TV>(TV x, TV y)
            where TV : unmanaged, ISimd<TV> =>
            y * x * (TV.Broadcast(1f) - x);
    }
}
