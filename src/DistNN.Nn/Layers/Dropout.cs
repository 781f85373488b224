using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Layers;

/// <summary>
/// Inverted dropout (Srivastava et al. 2014): in training each unit is kept with probability 1 − p and scaled by
/// 1/(1 − p), so evaluation is the identity. Backward multiplies by the same mask. The mask generator (SplitMix64) is
/// seeded from the model's generator at <see cref="Initialize"/>, so a run is reproducible.
/// </summary>
public sealed class Dropout : Layer
{
    private readonly float _rate;
    private SplitMix64 _rng = new(0);
    private Tensor? _mask;
    private Tensor? _output;
    private Tensor? _inputGradient;
    private bool _lastWasTraining;

    public Dropout(double rate)
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "dropout rate must be in [0, 1)");
        }
        _rate = (float)rate;
    }

    public float Rate => _rate;

    /// <summary>The last training mask: 0 or 1/(1 − p) per element.</summary>
    internal Tensor? Mask => _mask;

    protected override int[] BuildCore(int[] inputShape) => inputShape;

    public override void Initialize(Random rng) => _rng = new SplitMix64((ulong)rng.NextInt64());

    public override Tensor Forward(Tensor input, bool training)
    {
        _lastWasTraining = training && _rate > 0f;
        if (!_lastWasTraining)
        {
            return input;
        }
        var mask = Tensor.Ensure(ref _mask, input.Shape);
        var ms = mask.Span;
        float scale = 1f / (1f - _rate);
        // Keep a unit when a uniform 32-bit draw falls below (1 − p)·2³²; one 64-bit draw serves two units.
        uint keepBelow = (uint)Math.Min(uint.MaxValue, Math.Round((1.0 - _rate) * 4294967296.0));
        int i = 0;
        for (; i + 1 < ms.Length; i += 2)
        {
            ulong bits = _rng.Next();
            ms[i] = (uint)bits < keepBelow ? scale : 0f;
            ms[i + 1] = (uint)(bits >> 32) < keepBelow ? scale : 0f;
        }
        if (i < ms.Length)
        {
            ms[i] = (uint)_rng.Next() < keepBelow ? scale : 0f;
        }
        var output = Tensor.Ensure(ref _output, input.Shape);
        TensorPrimitives.Multiply(input.Span, ms, output.Span);
        return output;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        if (!NeedsInputGradient)
        {
            return null;
        }
        if (!_lastWasTraining)
        {
            return outputGradient;
        }
        var dx = Tensor.Ensure(ref _inputGradient, outputGradient.Shape);
        TensorPrimitives.Multiply(outputGradient.Span, _mask!.Span, dx.Span);
        return dx;
    }
}
