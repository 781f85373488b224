using DistNN.Tensors;

namespace DistNN.Nn.Losses;

/// <summary>
/// Sigmoid fused with binary cross-entropy on logits z (PyTorch's BCEWithLogitsLoss, summed over outputs, mean over
/// the batch): L = max(z, 0) − z·t + log(1 + e^−|z|), stable for any z; dL/dz = (σ(z) − t) / B.
/// </summary>
public sealed class SigmoidBinaryCrossEntropy : Loss
{
    public override string Name => "sigmoid_binary_cross_entropy";

    public override float Compute(Tensor predictions, Tensor targets, Tensor gradient)
    {
        CheckShapes(predictions, targets, gradient, Name);
        int batch = predictions.Rows;
        var z = predictions.Span;
        var t = targets.Span;
        var g = gradient.Span;
        double total = 0;
        float invBatch = 1f / batch;
        for (int i = 0; i < z.Length; i++)
        {
            double zi = z[i];
            total += Math.Max(zi, 0) - zi * t[i] + Math.Log(1 + Math.Exp(-Math.Abs(zi)));
            double sigmoid = zi >= 0 ? 1 / (1 + Math.Exp(-zi)) : Math.Exp(zi) / (1 + Math.Exp(zi));
            g[i] = (float)(sigmoid - t[i]) * invBatch;
        }
        return (float)(total / batch);
    }
}
