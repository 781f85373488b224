using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Losses;

/// <summary>
/// Softmax fused with categorical cross-entropy on logits z: L = −Σ y·log softmax(z), computed as
/// logsumexp(z) − Σ y·z with the max subtracted (stable); dL/dz = softmax(z) − y.
/// </summary>
public sealed class SoftmaxCrossEntropy : Loss
{
    public override string Name => "softmax_cross_entropy";

    public override float Compute(Tensor predictions, Tensor targets, Tensor gradient)
    {
        int batch = predictions.Rows;
        int classes = predictions.RowLength;
        var z = predictions.Span;
        var y = targets.Span;
        var g = gradient.Span;
        double total = 0;
        float invBatch = 1f / batch;
        for (int r = 0; r < batch; r++)
        {
            var zr = z.Slice(r * classes, classes);
            var yr = y.Slice(r * classes, classes);
            var gr = g.Slice(r * classes, classes);
            float max = TensorPrimitives.Max(zr);
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                float e = MathF.Exp(zr[c] - max);
                gr[c] = e;
                sum += e;
            }
            double logSum = Math.Log(sum) + max;
            float inv = (float)(1.0 / sum);
            for (int c = 0; c < classes; c++)
            {
                if (yr[c] != 0f)
                {
                    total += yr[c] * (logSum - zr[c]);
                }
                gr[c] = (gr[c] * inv - yr[c]) * invBatch;
            }
        }
        return (float)(total / batch);
    }
}
