using DistNN.Data;
using DistNN.Nn.Losses;
using DistNN.Nn.Models;
using DistNN.Tensors;

namespace DistNN.Training.Engine;

public readonly record struct Evaluation(double Accuracy, double Loss, int Samples);

/// <summary>Test-set accuracy and mean loss in evaluation mode (dropout off, running BatchNorm statistics).</summary>
public sealed class Evaluator(int batchSize = 250)
{
    private readonly Tensor _inputs = new(0);
    private readonly Tensor _targets = new(0);
    private Tensor? _grad;
    private int[] _indices = [];

    /// <summary>
    /// Scores <paramref name="data"/>; <paramref name="stop"/> is looked at before each batch and each layer: once it is
    /// cancelled the evaluation throws <see cref="OperationCanceledException"/> there (the run it was for has stopped).
    /// </summary>
    public Evaluation Run(Sequential model, Loss loss, Dataset data, CancellationToken stop = default)
    {
        if (_indices.Length != batchSize)
        {
            _indices = new int[batchSize];
        }
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            stop.ThrowIfCancellationRequested();
            int n = Math.Min(batchSize, data.Count - start);
            var idx = _indices.AsSpan(0, n);
            for (int i = 0; i < n; i++)
            {
                idx[i] = start + i;
            }
            data.FillBatch(idx, _inputs, _targets);
            var output = model.Forward(_inputs, training: false, stop);
            var grad = Tensor.Ensure(ref _grad, output.Shape);
            lossSum += loss.Compute(output, _targets, grad) * (double)n;
            correct += Metrics.CountCorrect(output, data.Labels, idx);
        }
        return new Evaluation(data.Count == 0 ? 0 : (double)correct / data.Count, data.Count == 0 ? 0 : lossSum / data.Count, data.Count);
    }
}
