using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

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

    public override unsafe void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
    {
        CheckLengths(weights, gradient, state);
        float lr = LearningRate;
        float l1 = regularize ? L1 : 0f;
        float l2 = regularize ? L2 : 0f;
        if (_momentum == 0f && l1 == 0f && l2 == 0f)
        {
            // w ← w + (−η)·g: one TensorPrimitives pass (unrolled, widest vectors).
            TensorPrimitives.MultiplyAdd(gradient, -lr, weights, weights);
            return;
        }
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* v = state)
        {
            Elementwise.Run(new Rule(w, g, v, lr, l1, l2, _momentum, _nesterov), weights.Length);
        }
    }

    /// <summary>One fused pass over w, g (and v with momentum): penalty, velocity, step.</summary>
    private readonly unsafe struct Rule(float* weights, float* gradient, float* velocity, float lr, float l1, float l2, float mu, bool nesterov) : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long i)
            where TV : unmanaged, ISimd<TV>
        {
            var w = TV.Load(weights + i);
            var g = Penalize(TV.Load(gradient + i), w, TV.Broadcast(l1), TV.Broadcast(l2));
            if (mu == 0f)
            {
                TV.Store(w - TV.Broadcast(lr) * g, weights + i);
                return;
            }
            var vmu = TV.Broadcast(mu);
            var v = vmu * TV.Load(velocity + i) + g;
            TV.Store(v, velocity + i);
            TV.Store(w - TV.Broadcast(lr) * (nesterov ? g + vmu * v : v), weights + i);
        }
    }
}
