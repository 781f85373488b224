using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace DistNN.Nn.Optimizers;

/// <summary>
/// Gradient descent (Robbins &amp; Monro 1951, https://doi.org/10.1214/aoms/1177729586), optionally with momentum
/// (Polyak 1964; Sutskever et al. 2013, https://proceedings.mlr.press/v28/sutskever13.html), in PyTorch's form:
/// v ← μv + g; w ← w − η·v, or with Nesterov w ← w − η·(g + μv). Plain SGD (μ = 0) keeps no state; with momentum
/// state slot 0 is v.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly float _momentum;
    private readonly bool _nesterov;

    public Sgd(float momentum = 0f, bool nesterov = false)
    {
        if (!(momentum >= 0f && momentum < 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1)");
        }
        if (nesterov && momentum == 0f)
        {
            throw new ArgumentException("Nesterov momentum needs a momentum above 0");
        }
        _momentum = momentum;
        _nesterov = nesterov;
    }

    public float Momentum => _momentum;

    public bool Nesterov => _nesterov;

    public override string Name => _nesterov ? "nesterov" : _momentum > 0 ? "momentum" : "sgd";

    public override int StateSlots => _momentum > 0 ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
    {
        CheckLengths(weights, gradient, state);
        float lr = LearningRate;
        float l1 = regularize ? L1 : 0f;
        float l2 = regularize ? L2 : 0f;
        float mu = _momentum;
        int n = weights.Length;
        int i = 0;
        int width = Vector<float>.Count;
        var vl1 = new Vector<float>(l1);
        var vl2 = new Vector<float>(l2);
        var vlr = new Vector<float>(lr);
        var vmu = new Vector<float>(mu);
        if (mu == 0f && l1 == 0f && l2 == 0f)
        {
            // w ← w + (−η)·g: one TensorPrimitives pass (unrolled, widest vectors).
            TensorPrimitives.MultiplyAdd(gradient, -lr, weights, weights);
            return;
        }
        if (mu == 0f)
        {
            for (; i <= n - width; i += width)
            {
                var w = new Vector<float>(weights.Slice(i));
                var g = Penalize(new Vector<float>(gradient.Slice(i)), w, vl1, vl2);
                (w - vlr * g).CopyTo(weights.Slice(i));
            }
            for (; i < n; i++)
            {
                weights[i] -= lr * Penalize(gradient[i], weights[i], l1, l2);
            }
            return;
        }
        var velocity = state.Slice(0, n);
        for (; i <= n - width; i += width)
        {
            var w = new Vector<float>(weights.Slice(i));
            var g = Penalize(new Vector<float>(gradient.Slice(i)), w, vl1, vl2);
            var v = vmu * new Vector<float>(velocity.Slice(i)) + g;
            v.CopyTo(velocity.Slice(i));
            (w - vlr * (_nesterov ? g + vmu * v : v)).CopyTo(weights.Slice(i));
        }
        for (; i < n; i++)
        {
            float g = Penalize(gradient[i], weights[i], l1, l2);
            float v = mu * velocity[i] + g;
            velocity[i] = v;
            weights[i] -= lr * (_nesterov ? g + mu * v : v);
        }
    }
}
