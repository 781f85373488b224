using DistNN.Nn.Initializers;
using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Layers.Recurrent;

/// <summary>
/// Long short-term memory (Hochreiter &amp; Schmidhuber 1997, with the forget gate of Gers et al. 2000), gates in the
/// order [i, f, g, o] as in PyTorch: i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o) with a = x_t·W + h_{t−1}·U + b;
/// c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = o ⊙ tanh(c_t). The forget bias starts at <see cref="ForgetBias"/>
/// (1 by default, Jozefowicz et al. 2015) so that memory is kept early in training.
/// </summary>
public sealed class Lstm : RecurrentLayer
{
    private Tensor? _c;
    private Tensor? _tanhC;
    private Tensor? _dcNext;
    private Tensor? _initialCellGradient;

    public Lstm(int units, bool returnSequences = false, int bptt = 0, Initializer? inputInit = null, float forgetBias = 1f)
        : base(units, returnSequences, bptt, inputInit)
    {
        ForgetBias = forgetBias;
    }

    public float ForgetBias { get; }

    /// <summary>Initial cell state c₀: null for zeros, [hidden] or [batch, hidden].</summary>
    public Tensor? InitialCellState { get; set; }

    /// <summary>dLoss/dc₀ [batch, hidden] after Backward, when <see cref="InitialCellState"/> or an initial state is set.</summary>
    public Tensor? InitialCellStateGradient => _initialCellGradient;

    protected override int Gates => 4;

    protected override bool HasGivenCellState => InitialCellState is not null;

    public override void Initialize(Random rng)
    {
        base.Initialize(rng);
        Bias.Value.Span.Slice(Units, Units).Fill(ForgetBias);
    }

    protected override void PrepareCell(int batch)
    {
        var c = Tensor.Ensure(ref _c, TimeSteps + 1, batch, Units);
        CopyInitial(InitialCellState, c.Span[..(batch * Units)], batch, "initial cell state");
        Tensor.Ensure(ref _tanhC, TimeSteps, batch, Units);
    }

    protected override void ForwardStep(int s, int batch, bool recurrentInputIsZero)
    {
        int hidden = Units;
        int gw = 4 * hidden;
        int n = batch * hidden;
        var a = A!.Span.Slice(s * batch * gw, batch * gw);
        var h = H!.Span;
        if (!recurrentInputIsZero)
        {
            Gemm.Multiply(false, false, batch, gw, hidden, 1f, h.Slice(s * n, n), hidden, RecurrentWeights.Value.Span, gw, 1f, a, gw);
        }
        var cPrev = _c!.Span.Slice(s * n, n);
        var c = _c.Span.Slice((s + 1) * n, n);
        for (int b = 0; b < batch; b++)
        {
            var row = a.Slice(b * gw, gw);
            var ifGates = row[..(2 * hidden)];
            TensorPrimitives.Sigmoid(ifGates, ifGates);
            var g = row.Slice(2 * hidden, hidden);
            TensorPrimitives.Tanh(g, g);
            var o = row.Slice(3 * hidden, hidden);
            TensorPrimitives.Sigmoid(o, o);
            var cb = c.Slice(b * hidden, hidden);
            TensorPrimitives.Multiply(row.Slice(hidden, hidden), cPrev.Slice(b * hidden, hidden), cb);
            TensorPrimitives.MultiplyAdd(row[..hidden], g, cb, cb);
        }
        var tanhC = _tanhC!.Span.Slice(s * n, n);
        TensorPrimitives.Tanh(c, tanhC);
        var hOut = h.Slice((s + 1) * n, n);
        for (int b = 0; b < batch; b++)
        {
            TensorPrimitives.Multiply(a.Slice(b * gw + 3 * hidden, hidden), tanhC.Slice(b * hidden, hidden), hOut.Slice(b * hidden, hidden));
        }
    }

    protected override bool BackwardStep(int s, int batch, Span<float> dh, Span<float> dhPrev)
    {
        int hidden = Units;
        int gw = 4 * hidden;
        int n = batch * hidden;
        var a = A!.Span.Slice(s * batch * gw, batch * gw);
        var da = DA!.Span.Slice(s * batch * gw, batch * gw);
        var cPrev = _c!.Span.Slice(s * n, n);
        var tanhC = _tanhC!.Span.Slice(s * n, n);
        var dc = _dcNext!.Span;
        for (int b = 0; b < batch; b++)
        {
            int o = b * hidden;
            RecurrentKernels.LstmBackward(a.Slice(b * gw, gw), cPrev.Slice(o, hidden), tanhC.Slice(o, hidden),
                dh.Slice(o, hidden), dc.Slice(o, hidden), da.Slice(b * gw, gw), hidden);
        }
        return false;
    }

    protected override void ResetCarriedGradient(int batch) => Tensor.Ensure(ref _dcNext, batch, Units).Clear();

    protected override void FinishInitialCellGradient(int batch, bool reached)
    {
        var g = Tensor.Ensure(ref _initialCellGradient, batch, Units);
        if (reached)
        {
            _dcNext!.Span.CopyTo(g.Span);
        }
        else
        {
            g.Clear();
        }
    }
}
