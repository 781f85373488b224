using DistNN.Data;
using DistNN.Data.Augmentation;
using DistNN.Nn;
using DistNN.Nn.Losses;
using DistNN.Nn.Models;
using DistNN.Tensors;

namespace DistNN.Training.Engine;

/// <summary>
/// The inner step every worker runs: copy a batch in, forward, loss, backward. Gradients stay in the model's
/// parameters for the caller (a local optimizer, or a push to the parameter servers). Owns its batch buffers.
/// </summary>
public sealed class ReplicaStep
{
    private readonly Tensor _inputs = new(0);
    private readonly Tensor _targets = new(0);
    private Tensor? _lossGradient;
    private long _steps;

    public ReplicaStep(Sequential model, Loss loss)
    {
        Model = model;
        Loss = loss;
    }

    public Sequential Model { get; }

    public Loss Loss { get; }

    /// <summary>Optional data expansion applied to each training batch after it is copied in.</summary>
    public ImageAugmenter? Augmenter { get; set; }

    /// <summary>The plan's augmenter, or null when the plan asks for none.</summary>
    public static ImageAugmenter? AugmenterFor(AugmentationOptions options, int seed)
    {
        return options.IsEnabled ? new ImageAugmenter(options, seed) : null;
    }

    /// <summary>
    /// Runs one step on the samples at <paramref name="indices"/>; returns the mean loss and the count classified correctly.
    /// <paramref name="batchNumber"/> (a global batch number) picks the augmentation draws, so any worker expands a batch the same way.
    /// </summary>
    public (float Loss, int Correct) Run(Dataset data, ReadOnlySpan<int> indices, long batchNumber = 0) => Run(data, indices, batchNumber, null);

    /// <summary>
    /// As <see cref="Run(Dataset, ReadOnlySpan{int}, long)"/>; <paramref name="layerDone"/> hears each layer whose gradients
    /// are final. Once <paramref name="stop"/> is cancelled the step throws <see cref="OperationCanceledException"/> before
    /// its next layer of the forward pass or before the backward pass (during it, <paramref name="layerDone"/> decides).
    /// </summary>
    public (float Loss, int Correct) Run(Dataset data, ReadOnlySpan<int> indices, long batchNumber, Action<int>? layerDone,
        CancellationToken stop = default)
    {
        _steps++;
        data.FillBatch(indices, _inputs, _targets);
        Augmenter?.Apply(_inputs, batchNumber);
        var output = Model.Forward(_inputs, training: true, stop);
        var grad = Tensor.Ensure(ref _lossGradient, output.Shape);
        float loss = Loss.Compute(output, _targets, grad);
        if (!float.IsFinite(loss))
        {
            throw NonFiniteException.Locate(Model, _inputs, _steps, loss);
        }
        int correct = Metrics.CountCorrect(output, data.Labels, indices);
        stop.ThrowIfCancellationRequested();
        Model.Backward(grad, layerDone);
        return (loss, correct);
    }
}

/// <summary>A loss became NaN or Inf; says at which step and which layer first produced a non-finite value.</summary>
public sealed class NonFiniteException(string message) : Exception(message)
{
    public static NonFiniteException Locate(Sequential model, Tensor inputs, long step, float loss)
    {
        if (!AllFinite(inputs.Span))
        {
            return new NonFiniteException($"step {step}: loss is {loss}: the input batch itself holds NaN or Inf");
        }
        var x = inputs;
        foreach (var layer in model.Layers)
        {
            x = layer.Forward(x, training: false);
            if (!AllFinite(x.Span))
            {
                return new NonFiniteException($"step {step}: loss is {loss}: layer '{layer.Name}' produced NaN or Inf (try a lower learning rate or --clip-norm)");
            }
        }
        return new NonFiniteException($"step {step}: loss is {loss}: the loss itself overflowed (try a lower learning rate or --clip-norm)");
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }
        return true;
    }
}
