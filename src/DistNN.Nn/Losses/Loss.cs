using DistNN.Tensors;

namespace DistNN.Nn.Losses;

/// <summary>A cost averaged over the batch. Targets have the predictions' shape (one-hot for classes).</summary>
public abstract class Loss
{
    public abstract string Name { get; }

    /// <summary>Returns the mean loss and writes dLoss/dPredictions (already divided by the batch size) into <paramref name="gradient"/>.</summary>
    public abstract float Compute(Tensor predictions, Tensor targets, Tensor gradient);
}
