using DistNN.Nn.Initializers;
using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Layers.Recurrent;

/// <summary>
/// Gated recurrent unit (Cho et al. 2014) in PyTorch's convention, gates [r, z, n]:
/// r = σ(a_r + h_{t−1}U_r), z = σ(a_z + h_{t−1}U_z), n = tanh(a_n + r ⊙ (h_{t−1}U_n + b_hn)),
/// h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}, with a = x_t·W + b. The reset gate multiplies the recurrent term including its
/// own bias b_hn, which is therefore a separate parameter (<see cref="RecurrentBias"/>).
/// </summary>
public sealed class Gru : RecurrentLayer
{
    private Parameter _recurrentBias = null!;
    private Tensor? _hu;
    private Tensor? _daRecurrent;

    public Gru(int units, bool returnSequences = false, int bptt = 0, Initializer? inputInit = null)
        : base(units, returnSequences, bptt, inputInit)
    {
    }

    /// <summary>b_hn (hidden): the bias inside the reset gate's product.</summary>
    public Parameter RecurrentBias => _recurrentBias;

    protected override int Gates => 3;

    protected override IEnumerable<Parameter> ExtraParameters => [_recurrentBias];

    protected override Tensor RecurrentGradient => _daRecurrent!;

    protected override void BuildCell() =>
        _recurrentBias = new Parameter($"{Name}.recurrent_bias", new Tensor(Units), regularize: false);

    public override void Initialize(Random rng)
    {
        base.Initialize(rng);
        _recurrentBias.Value.Clear();
    }

    protected override void PrepareCell(int batch)
    {
        Tensor.Ensure(ref _hu, TimeSteps, batch, GateWidth);
        Tensor.Ensure(ref _daRecurrent, TimeSteps, batch, GateWidth);
    }

    protected override void ForwardStep(int s, int batch, bool recurrentInputIsZero)
    {
        int hidden = Units;
        int gw = 3 * hidden;
        int n = batch * hidden;
        var a = A!.Span.Slice(s * batch * gw, batch * gw);
        var hu = _hu!.Span.Slice(s * batch * gw, batch * gw);
        var h = H!.Span;
        var hPrev = h.Slice(s * n, n);
        var hOut = h.Slice((s + 1) * n, n);
        if (recurrentInputIsZero)
        {
            hu.Clear();
        }
        else
        {
            Gemm.Multiply(false, false, batch, gw, hidden, 1f, hPrev, hidden, RecurrentWeights.Value.Span, gw, 0f, hu, gw);
        }
        var bhn = _recurrentBias.Value.Span;
        for (int b = 0; b < batch; b++)
        {
            var row = a.Slice(b * gw, gw);
            var huRow = hu.Slice(b * gw, gw);
            var rz = row[..(2 * hidden)];
            TensorPrimitives.Add(rz, huRow[..(2 * hidden)], rz);
            TensorPrimitives.Sigmoid(rz, rz);
            var hn = huRow.Slice(2 * hidden, hidden);
            TensorPrimitives.Add(hn, bhn, hn);
            var cand = row.Slice(2 * hidden, hidden);
            TensorPrimitives.MultiplyAdd(row[..hidden], hn, cand, cand);
            TensorPrimitives.Tanh(cand, cand);
            // h = n + z ⊙ (h_prev − n)
            var hb = hOut.Slice(b * hidden, hidden);
            TensorPrimitives.Subtract(hPrev.Slice(b * hidden, hidden), cand, hb);
            TensorPrimitives.MultiplyAdd(row.Slice(hidden, hidden), hb, cand, hb);
        }
    }

    protected override bool BackwardStep(int s, int batch, Span<float> dh, Span<float> dhPrev)
    {
        int hidden = Units;
        int gw = 3 * hidden;
        int n = batch * hidden;
        int offset = s * batch * gw;
        var a = A!.Span.Slice(offset, batch * gw);
        var hu = _hu!.Span.Slice(offset, batch * gw);
        var da = DA!.Span.Slice(offset, batch * gw);
        var dar = _daRecurrent!.Span.Slice(offset, batch * gw);
        var hPrev = H!.Span.Slice(s * n, n);
        for (int b = 0; b < batch; b++)
        {
            int o = b * hidden;
            RecurrentKernels.GruBackward(a.Slice(b * gw, gw), hu.Slice(b * gw + 2 * hidden, hidden), hPrev.Slice(o, hidden),
                dh.Slice(o, hidden), da.Slice(b * gw, gw), dar.Slice(b * gw, gw), dhPrev.Slice(o, hidden), hidden);
        }
        return true;
    }

    protected override void FinishParameterGradients(int low, int rows)
    {
        int gw = GateWidth;
        var dar = _daRecurrent!.Span.Slice(low * (_daRecurrent.Length / TimeSteps), rows * gw);
        ColumnSums(dar, gw, 2 * Units, Units, _recurrentBias.Grad!.Span);
    }
}
