using DistNN.Nn.Initializers;
using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Layers.Recurrent;

/// <summary>
/// Elman's recurrent layer with tanh: h_t = tanh(x_t·W + h_{t−1}·U + b).
/// Backward: da_t = (dy_t + dh_t) ⊙ (1 − h_t²); dh_{t−1} = da_t·Uᵀ.
/// </summary>
public sealed class SimpleRnn : RecurrentLayer
{
    public SimpleRnn(int units, bool returnSequences = false, int bptt = 0, Initializer? inputInit = null)
        : base(units, returnSequences, bptt, inputInit)
    {
    }

    protected override int Gates => 1;

    protected override void ForwardStep(int s, int batch, bool recurrentInputIsZero)
    {
        int n = batch * Units;
        var a = A!.Span.Slice(s * n, n);
        var h = H!.Span;
        if (!recurrentInputIsZero)
        {
            Gemm.Multiply(false, false, batch, Units, Units, 1f, h.Slice(s * n, n), Units, RecurrentWeights.Value.Span, Units, 1f, a, Units);
        }
        TensorPrimitives.Tanh(a, h.Slice((s + 1) * n, n));
    }

    protected override bool BackwardStep(int s, int batch, Span<float> dh, Span<float> dhPrev)
    {
        int n = batch * Units;
        RecurrentKernels.TanhBackward(H!.Span.Slice((s + 1) * n, n), dh, DA!.Span.Slice(s * n, n));
        return false;
    }
}
