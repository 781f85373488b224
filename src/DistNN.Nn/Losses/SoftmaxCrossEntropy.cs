using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Losses;

/// <summary>
/// Softmax fused with categorical cross-entropy on logits z: L = −Σ y·log softmax(z), computed as
/// (Σ y)·logsumexp(z) − Σ y·z with the max subtracted (stable); dL/dz = softmax(z)·Σy − y (= softmax(z) − y for
/// one-hot or probability targets).
/// </summary>
public sealed class SoftmaxCrossEntropy : Loss
{
    public override string Name => "softmax_cross_entropy";

    public override float Compute(Tensor predictions, Tensor targets, Tensor gradient)
    {
        CheckShapes(predictions, targets, gradient, Name);
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
            TensorPrimitives.Subtract(zr, max, gr);
            TensorPrimitives.Exp(gr, gr);
            float sum = TensorPrimitives.Sum(gr);
            float targetMass = TensorPrimitives.Sum(yr);
            double logSum = Math.Log(sum) + max;
            total += targetMass * logSum - TensorPrimitives.Dot(yr, zr);
            // g = (softmax·Σy − y) / B = e·(Σy / (sum·B)) − y / B
            TensorPrimitives.Multiply(gr, targetMass * invBatch / sum, gr);
            TensorPrimitives.MultiplyAdd(yr, -invBatch, gr, gr);
        }
        return (float)(total / batch);
    }
}
