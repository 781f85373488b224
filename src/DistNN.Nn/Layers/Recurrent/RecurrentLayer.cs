using DistNN.Nn.Initializers;
using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Layers.Recurrent;

/// <summary>
/// What every gated or plain recurrent layer shares. Input is (batch, time, features) — or (batch, time, features, 1),
/// read as (batch, time, features), so an MNIST image is 28 steps of 28 pixels. Output is the last state [hidden] or,
/// with <see cref="ReturnSequences"/>, every state [time, hidden], which a further recurrent layer can read.
/// <para>
/// Gate pre-activations are fused: a = x_t·W + b + h_{t−1}·U with W (features × gates·hidden) and
/// U (hidden × gates·hidden). The input part x·W for all steps is ONE GEMM over (time·batch) rows up front;
/// each step only adds h_{t−1}·U. Backward stacks the per-step gate gradients so that dW = Xᵀ·dA and
/// dU = H_prevᵀ·dA are again one GEMM each, and only dh_{t−1} = dA_t·Uᵀ runs per step.
/// Everything is kept time-major ([time, batch, …]) inside, so a step's rows are one contiguous block.
/// </para>
/// <para>
/// Truncated backpropagation through time (<see cref="Bptt"/> = k &gt; 0) splits the sequence into chunks of k steps
/// counted back from the last step; the state entering a chunk is treated as a constant (detached), so no gradient
/// flows back more than k steps. k ≥ time is full backpropagation through time. A given initial state is a leaf:
/// it receives the gradient that reaches the first step.
/// </para>
/// </summary>
public abstract class RecurrentLayer : Layer
{
    private static readonly OrthogonalInitializer s_recurrentInit = new();
    private readonly Initializer _inputInit;
    private Parameter _weights = null!;
    private Parameter _recurrentWeights = null!;
    private Parameter _bias = null!;
    private Tensor? _output;
    private Tensor? _dyTimeMajor;
    private Tensor? _dh;
    private Tensor? _dhNext;
    private Tensor? _dxTimeMajor;
    private Tensor? _dx;
    private Tensor? _initialStateGradient;

    /// <summary>Time-major input [time, batch, features].</summary>
    protected Tensor? X;

    /// <summary>Pre-activations, overwritten by the cell with whatever its backward needs: [time, batch, gates·hidden].</summary>
    protected Tensor? A;

    /// <summary>Hidden states [time + 1, batch, hidden]; block 0 is the initial state.</summary>
    protected Tensor? H;

    /// <summary>Gradient of the loss with respect to the input-side pre-activations, [time, batch, gates·hidden].</summary>
    protected Tensor? DA;

    protected RecurrentLayer(int units, bool returnSequences, int bptt, Initializer? inputInit)
    {
        if (units <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, "a recurrent layer needs at least one unit");
        }
        if (bptt < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bptt), bptt, "bptt is the truncation length in steps: 0 (full) or positive");
        }
        Units = units;
        ReturnSequences = returnSequences;
        Bptt = bptt;
        _inputInit = inputInit ?? Initializer.XavierUniform;
    }

    /// <summary>Hidden size.</summary>
    public int Units { get; }

    /// <summary>Return every state [time, hidden] instead of the last one [hidden].</summary>
    public bool ReturnSequences { get; }

    /// <summary>Truncation length of backpropagation through time in steps; 0 = full.</summary>
    public int Bptt { get; }

    /// <summary>Sequence length fixed by <see cref="Layer.Build"/>.</summary>
    public int TimeSteps { get; private set; }

    /// <summary>Features per step fixed by <see cref="Layer.Build"/>.</summary>
    public int Features { get; private set; }

    /// <summary>Gate blocks per step: 1 (tanh RNN), 3 (GRU), 4 (LSTM).</summary>
    protected abstract int Gates { get; }

    /// <summary>
    /// Initial hidden state: null for zeros, [hidden] (the same for every sample) or [batch, hidden].
    /// When set, <see cref="InitialStateGradient"/> receives dLoss/dh₀ after Backward.
    /// </summary>
    public Tensor? InitialState { get; set; }

    /// <summary>dLoss/dh₀ [batch, hidden] after Backward (zero when truncation cut it off).</summary>
    public Tensor? InitialStateGradient => _initialStateGradient;

    /// <summary>Input weights W (features × gates·hidden).</summary>
    public Parameter Weights => _weights;

    /// <summary>Recurrent weights U (hidden × gates·hidden).</summary>
    public Parameter RecurrentWeights => _recurrentWeights;

    /// <summary>Bias b (gates·hidden), added to x·W.</summary>
    public Parameter Bias => _bias;

    public override IReadOnlyList<Parameter> Parameters => [_weights, _recurrentWeights, _bias, .. ExtraParameters];

    /// <summary>Cell-specific parameters after W, U, b (GRU's recurrent bias of the candidate).</summary>
    protected virtual IEnumerable<Parameter> ExtraParameters => [];

    protected int GateWidth => Gates * Units;

    protected override int[] BuildCore(int[] inputShape)
    {
        bool sequence = inputShape.Length == 2 || (inputShape.Length == 3 && inputShape[2] == 1);
        if (!sequence || inputShape[0] <= 0 || inputShape[1] <= 0)
        {
            throw ShapeError("a recurrent layer expects a per-sample sequence [time, features] (or [time, features, 1], read as [time, features])");
        }
        TimeSteps = inputShape[0];
        Features = inputShape[1];
        _weights = new Parameter($"{Name}.weight", new Tensor(Features, GateWidth));
        _recurrentWeights = new Parameter($"{Name}.recurrent_weight", new Tensor(Units, GateWidth));
        _bias = new Parameter($"{Name}.bias", new Tensor(GateWidth), regularize: false);
        BuildCell();
        return ReturnSequences ? [TimeSteps, Units] : [Units];
    }

    /// <summary>Creates cell-specific parameters once the sizes are known.</summary>
    protected virtual void BuildCell()
    {
    }

    /// <summary>W: the chosen initializer (Xavier by default); U: an orthogonal block per gate; b: zeros.</summary>
    public override void Initialize(Random rng)
    {
        _inputInit.Fill(_weights.Value.Span, Features, GateWidth, rng);
        s_recurrentInit.FillGateBlocks(_recurrentWeights.Value.Span, Units, Gates, rng);
        _bias.Value.Clear();
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        int batch = input.Rows;
        int t = TimeSteps;
        int f = Features;
        int gw = GateWidth;

        // Time-major copy, then x·W + b for every step in one GEMM.
        var x = Tensor.Ensure(ref X, t, batch, f);
        var src = input.Span;
        var xs = x.Span;
        for (int b = 0; b < batch; b++)
        {
            for (int s = 0; s < t; s++)
            {
                src.Slice((b * t + s) * f, f).CopyTo(xs.Slice((s * batch + b) * f, f));
            }
        }
        var a = Tensor.Ensure(ref A, t, batch, gw);
        Gemm.Multiply(false, false, t * batch, gw, f, 1f, xs, f, _weights.Value.Span, gw, 0f, a.Span, gw);
        var bias = _bias.Value.Span;
        var aSpan = a.Span;
        for (int r = 0; r < t * batch; r++)
        {
            var row = aSpan.Slice(r * gw, gw);
            TensorPrimitives.Add(row, bias, row);
        }

        var h = Tensor.Ensure(ref H, t + 1, batch, Units);
        bool givenState = CopyInitial(InitialState, h.Span[..(batch * Units)], batch, "initial state");
        PrepareCell(batch);
        for (int s = 0; s < t; s++)
        {
            ForwardStep(s, batch, recurrentInputIsZero: s == 0 && !givenState && !HasGivenCellState);
        }

        if (ReturnSequences)
        {
            var output = Tensor.Ensure(ref _output, batch, t, Units);
            var hs = h.Span;
            var os = output.Span;
            for (int s = 0; s < t; s++)
            {
                for (int b = 0; b < batch; b++)
                {
                    hs.Slice(((s + 1) * batch + b) * Units, Units).CopyTo(os.Slice((b * t + s) * Units, Units));
                }
            }
            return output;
        }
        var last = Tensor.Ensure(ref _output, batch, Units);
        h.Span.Slice(t * batch * Units, batch * Units).CopyTo(last.Span);
        return last;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        var x = X ?? throw new InvalidOperationException($"layer '{Name}': backward before forward");
        int batch = x.Dim(1);
        int t = TimeSteps;
        int f = Features;
        int gw = GateWidth;
        int hn = batch * Units;
        int expected = ReturnSequences ? batch * t * Units : batch * Units;
        if (outputGradient.Length != expected)
        {
            throw new ArgumentException($"layer '{Name}': output gradient has {outputGradient.Length} values, expected {expected}");
        }

        ReadOnlySpan<float> dy = outputGradient.Span;
        if (ReturnSequences)
        {
            var tm = Tensor.Ensure(ref _dyTimeMajor, t, batch, Units);
            var ts = tm.Span;
            for (int b = 0; b < batch; b++)
            {
                for (int s = 0; s < t; s++)
                {
                    dy.Slice((b * t + s) * Units, Units).CopyTo(ts.Slice((s * batch + b) * Units, Units));
                }
            }
            dy = ts;
        }

        var da = Tensor.Ensure(ref DA, t, batch, gw);
        var dh = Tensor.Ensure(ref _dh, batch, Units).Span;
        var dhNext = Tensor.Ensure(ref _dhNext, batch, Units).Span;
        dhNext.Clear();
        ResetCarriedGradient(batch);

        // Without sequences, a truncated backward pass never reaches below the last chunk: skip those steps.
        int low = !ReturnSequences && Bptt > 0 ? Math.Max(0, t - Bptt) : 0;
        var u = _recurrentWeights.Value.Span;
        var daRec = RecurrentGradient.Span;
        for (int s = t - 1; s >= low; s--)
        {
            if (ReturnSequences)
            {
                TensorPrimitives.Add(dhNext, dy.Slice(s * hn, hn), dh);
            }
            else if (s == t - 1)
            {
                TensorPrimitives.Add(dhNext, dy, dh);
            }
            else
            {
                dhNext.CopyTo(dh);
            }
            bool direct = BackwardStep(s, batch, dh, dhNext);
            if (s > 0 && IsChunkStart(s))
            {
                // The state entering this chunk is a constant: no gradient flows into earlier steps.
                dhNext.Clear();
                ResetCarriedGradient(batch);
                continue;
            }
            if (s == 0 && InitialState is null && !HasGivenCellState)
            {
                break;
            }
            Gemm.Multiply(false, true, batch, Units, gw, 1f, daRec.Slice(s * batch * gw, batch * gw), gw, u, gw, direct ? 1f : 0f, dhNext, Units);
        }

        if (InitialState is not null || HasGivenCellState)
        {
            var g = Tensor.Ensure(ref _initialStateGradient, batch, Units).Span;
            if (low == 0)
            {
                dhNext.CopyTo(g);
            }
            else
            {
                g.Clear();
            }
            FinishInitialCellGradient(batch, low == 0);
        }

        // Parameter gradients over the steps that received gradient, one GEMM each.
        int rows = (t - low) * batch;
        var daIn = da.Span.Slice(low * batch * gw, rows * gw);
        var daR = daRec.Slice(low * batch * gw, rows * gw);
        Gemm.Multiply(true, false, f, gw, rows, 1f, x.Span.Slice(low * batch * f, rows * f), f, daIn, gw, 0f, _weights.Grad!.Span, gw);
        Gemm.Multiply(true, false, Units, gw, rows, 1f, H!.Span.Slice(low * hn, rows * Units), Units, daR, gw, 0f, _recurrentWeights.Grad!.Span, gw);
        ColumnSums(daIn, gw, 0, gw, _bias.Grad!.Span);
        FinishParameterGradients(low, rows);

        if (!NeedsInputGradient)
        {
            return null;
        }
        var dxTm = Tensor.Ensure(ref _dxTimeMajor, t, batch, f);
        var dxts = dxTm.Span;
        dxts[..(low * batch * f)].Clear();
        Gemm.Multiply(false, true, rows, f, gw, 1f, daIn, gw, _weights.Value.Span, gw, 0f, dxts.Slice(low * batch * f, rows * f), f);
        var dx = Tensor.Ensure(ref _dx, InputShapeWithBatch(batch));
        var dxs = dx.Span;
        for (int b = 0; b < batch; b++)
        {
            for (int s = 0; s < t; s++)
            {
                dxts.Slice((s * batch + b) * f, f).CopyTo(dxs.Slice((b * t + s) * f, f));
            }
        }
        return dx;
    }

    /// <summary>
    /// Step s forward: reads the step's input pre-activations A[s] (x·W + b) and the previous state H[s]
    /// (zero when <paramref name="recurrentInputIsZero"/>), writes H[s+1] and keeps what backward needs.
    /// </summary>
    protected abstract void ForwardStep(int s, int batch, bool recurrentInputIsZero);

    /// <summary>
    /// Step s backward given dLoss/dh_s in <paramref name="dh"/>: writes DA[s] (and RecurrentGradient[s]);
    /// may write a direct contribution to dLoss/dh_{s−1} into <paramref name="dhPrev"/> and return true
    /// (the base then adds RecurrentGradient[s]·Uᵀ to it), or return false and leave it untouched.
    /// </summary>
    protected abstract bool BackwardStep(int s, int batch, Span<float> dh, Span<float> dhPrev);

    /// <summary>The gradient that meets U (and flows to h_{s−1}); the same as <see cref="DA"/> unless the cell differs (GRU).</summary>
    protected virtual Tensor RecurrentGradient => DA!;

    /// <summary>Whether a cell state other than h was given (LSTM's c₀).</summary>
    protected virtual bool HasGivenCellState => false;

    /// <summary>Sizes the cell's own buffers for this batch and loads its initial cell state.</summary>
    protected virtual void PrepareCell(int batch)
    {
    }

    /// <summary>Zeroes any gradient the cell carries from step to step besides dh (LSTM's dc).</summary>
    protected virtual void ResetCarriedGradient(int batch)
    {
    }

    protected virtual void FinishInitialCellGradient(int batch, bool reached)
    {
    }

    /// <summary>Cell-specific parameter gradients over rows [low·batch, low·batch + rows) of the stacked steps.</summary>
    protected virtual void FinishParameterGradients(int low, int rows)
    {
    }

    protected bool IsChunkStart(int s) => Bptt > 0 && (TimeSteps - s) % Bptt == 0;

    /// <summary>Copies a [hidden] or [batch, hidden] initial tensor into <paramref name="target"/>; zero when null. Returns whether one was given.</summary>
    protected bool CopyInitial(Tensor? given, Span<float> target, int batch, string what)
    {
        if (given is null)
        {
            target.Clear();
            return false;
        }
        if (given.Length == Units)
        {
            for (int b = 0; b < batch; b++)
            {
                given.Span.CopyTo(target.Slice(b * Units, Units));
            }
            return true;
        }
        if (given.Length == batch * Units)
        {
            given.Span.CopyTo(target);
            return true;
        }
        throw new ArgumentException($"layer '{Name}': the {what} has shape [{given.ShapeString}]; expected [{Units}] or [{batch},{Units}]");
    }

    /// <summary>sums[j] = Σ_r m[r, offset + j] for j &lt; width, over rows of length <paramref name="stride"/>.</summary>
    protected static void ColumnSums(ReadOnlySpan<float> m, int stride, int offset, int width, Span<float> sums)
    {
        sums.Clear();
        int rows = m.Length / stride;
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(sums, m.Slice(r * stride + offset, width), sums);
        }
    }

    private int[] InputShapeWithBatch(int batch)
    {
        var shape = new int[InputShape.Length + 1];
        shape[0] = batch;
        InputShape.CopyTo(shape, 1);
        return shape;
    }

    private void CheckInput(Tensor input)
    {
        var shape = input.Shape;
        bool ok = shape.Length == InputShape.Length + 1 && shape[0] > 0;
        for (int i = 0; ok && i < InputShape.Length; i++)
        {
            ok = shape[i + 1] == InputShape[i];
        }
        if (!ok)
        {
            throw new ShapeException(
                $"layer '{Name}' ({GetType().Name}): input [{string.Join(",", shape.ToArray())}] is not a batch of sequences [batch,{string.Join(",", InputShape)}] " +
                $"({TimeSteps} steps of {Features} features)");
        }
    }
}
