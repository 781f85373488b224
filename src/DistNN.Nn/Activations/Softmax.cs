using System.Numerics.Tensors;

namespace DistNN.Nn.Activations;

/// <summary>
/// Softmax over each row of the last axis: a_i = e^(z_i − max z) / Σ_j e^(z_j − max z).
/// Backward is the Jacobian-vector product dz_i = a_i (da_i − Σ_j da_j a_j) (J = diag(a) − a aᵀ).
/// For a classifier prefer logits with the fused <see cref="Losses.SoftmaxCrossEntropy"/>, which is more stable.
/// </summary>
public sealed class Softmax : Activation
{
    public override string Name => "softmax";

    /// <summary>Treats the whole span as one row.</summary>
    public override void Forward(ReadOnlySpan<float> z, Span<float> a) => Forward(z, a, z.Length);

    /// <summary>Treats the whole span as one row.</summary>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz) =>
        Backward(z, a, da, dz, z.Length);

    public override void Forward(ReadOnlySpan<float> z, Span<float> a, int rowLength)
    {
        CheckRows(z.Length, rowLength);
        for (int start = 0; start < z.Length; start += rowLength)
        {
            var zr = z.Slice(start, rowLength);
            var ar = a.Slice(start, rowLength);
            TensorPrimitives.Subtract(zr, TensorPrimitives.Max(zr), ar);
            TensorPrimitives.Exp(ar, ar);
            TensorPrimitives.Divide(ar, TensorPrimitives.Sum(ar), ar);
        }
    }

    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz, int rowLength)
    {
        CheckRows(a.Length, rowLength);
        for (int start = 0; start < a.Length; start += rowLength)
        {
            var ar = a.Slice(start, rowLength);
            var dar = da.Slice(start, rowLength);
            var dzr = dz.Slice(start, rowLength);
            float dot = TensorPrimitives.Dot(dar, ar);
            // dz = (da − dot) ⊙ a; dz may alias da (elementwise, index by index).
            TensorPrimitives.Subtract(dar, dot, dzr);
            TensorPrimitives.Multiply(dzr, ar, dzr);
        }
    }

    private static void CheckRows(int length, int rowLength)
    {
        if (rowLength <= 0 || length % rowLength != 0)
        {
            throw new ArgumentException($"softmax: {length} values do not split into rows of {rowLength}");
        }
    }
}
