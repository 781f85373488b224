using System.Numerics;
using System.Runtime.CompilerServices;

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
    {
        CheckLengths(weights, gradient, state);
        float lr = LearningRate;
        float l1 = regularize ? L1 : 0f;
        float l2 = regularize ? L2 : 0f;
        float eps = Epsilon;
        int n = weights.Length;
        var sum = state.Slice(0, n);
        int i = 0;
        int width = Vector<float>.Count;
        var vl1 = new Vector<float>(l1);
        var vl2 = new Vector<float>(l2);
        var vlr = new Vector<float>(lr);
        var veps = new Vector<float>(eps);
        for (; i <= n - width; i += width)
        {
            var w = new Vector<float>(weights.Slice(i));
            var g = Penalize(new Vector<float>(gradient.Slice(i)), w, vl1, vl2);
            var s = new Vector<float>(sum.Slice(i)) + g * g;
            s.CopyTo(sum.Slice(i));
            (w - vlr * g / (Vector.SquareRoot(s) + veps)).CopyTo(weights.Slice(i));
        }
        for (; i < n; i++)
        {
            float g = Penalize(gradient[i], weights[i], l1, l2);
            float s = sum[i] + g * g;
            sum[i] = s;
            weights[i] -= lr * g / (MathF.Sqrt(s) + eps);
        }
    }
}
