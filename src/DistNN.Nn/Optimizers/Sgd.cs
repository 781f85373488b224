namespace DistNN.Nn.Optimizers;

/// <summary>Plain gradient descent: w ← w − η·g (Robbins &amp; Monro 1951).</summary>
public sealed class Sgd : Optimizer
{
    public override string Name => "sgd";

    public override int StateSlots => 0;

    public override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
    {
        float lr = LearningRate;
        float l1 = regularize ? L1 : 0f;
        float l2 = regularize ? L2 : 0f;
        for (int i = 0; i < weights.Length; i++)
        {
            float w = weights[i];
            float g = gradient[i] + l2 * w + l1 * MathF.Sign(w);
            weights[i] = w - lr * g;
        }
    }
}
