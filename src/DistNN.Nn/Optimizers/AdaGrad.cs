using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Optimizers;

/// <summary>
/// AdaGrad (Duchi et al. 2011, https://jmlr.org/papers/v12/duchi11a.html): s ← s + g²; w ← w − η·g / (√s + ε).
/// State slot 0 is s (starts at 0, as in PyTorch).
/// </summary>
public sealed class AdaGrad(float epsilon = 1e-10f) : Optimizer
{
    public float Epsilon { get; } = epsilon;

    public override string Name => "adagrad";

    public override int StateSlots => 1;

    public override unsafe void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
    {
        CheckLengths(weights, gradient, state);
        float lr = LearningRate;
        float l1 = regularize ? L1 : 0f;
        float l2 = regularize ? L2 : 0f;
        float eps = Epsilon;
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* sum = state)
        {
            Elementwise.Run(new Rule(w, g, sum, lr, l1, l2, eps), weights.Length);
        }
    }

    /// <summary>One fused pass: penalty, sum of g², step.</summary>
    private readonly unsafe struct Rule(float* weights, float* gradient, float* sum, float lr, float l1, float l2, float eps) : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long i)
            where TV : unmanaged, ISimd<TV>
        {
            var w = TV.Load(weights + i);
            var g = Penalize(TV.Load(gradient + i), w, TV.Broadcast(l1), TV.Broadcast(l2));
            var s = TV.Load(sum + i) + g * g;
            TV.Store(s, sum + i);
            TV.Store(w - TV.Broadcast(lr) * g / (TV.SquareRoot(s) + TV.Broadcast(eps)), weights + i);
        }
    }
}
