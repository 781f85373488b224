namespace DistNN.Nn.Models;

/// <summary>
/// Rosenblatt's single-layer perceptron: ŷ = step(w·x + b) with step(z) = 1 if z &gt; 0 else 0, trained by the
/// perceptron rule w ← w + η(y − ŷ)x, b ← b + η(y − ŷ), which needs no gradient of the step and converges in
/// finitely many updates on linearly separable data (Novikoff 1962).
/// </summary>
public sealed class Perceptron
{
    private readonly float[] _weights;

    public Perceptron(int inputs)
    {
        if (inputs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "a perceptron needs at least one input");
        }
        _weights = new float[inputs];
    }

    public int Inputs => _weights.Length;

    public ReadOnlySpan<float> Weights => _weights;

    public float Bias { get; private set; }

    public int Predict(ReadOnlySpan<float> x)
    {
        if (x.Length != _weights.Length)
        {
            throw new ArgumentException($"perceptron has {_weights.Length} inputs, got {x.Length}");
        }
        float z = Bias;
        for (int i = 0; i < x.Length; i++)
        {
            z += _weights[i] * x[i];
        }
        return z > 0f ? 1 : 0;
    }

    /// <summary>Whether the last <see cref="Train"/> ended with an epoch without mistakes.</summary>
    public bool Converged { get; private set; }

    /// <summary>
    /// Sweeps the samples (rows of <paramref name="features"/>, labels 0 or 1) until an epoch makes no mistake or
    /// <paramref name="maxEpochs"/> pass. Returns the number of epochs run; see <see cref="Converged"/>.
    /// </summary>
    public int Train(float[][] features, int[] labels, float learningRate = 1f, int maxEpochs = 1000)
    {
        if (features.Length != labels.Length)
        {
            throw new ArgumentException($"{features.Length} samples but {labels.Length} labels");
        }
        if (labels.Any(l => l is not (0 or 1)))
        {
            throw new ArgumentException("perceptron labels must be 0 or 1");
        }
        Converged = false;
        for (int epoch = 1; epoch <= maxEpochs; epoch++)
        {
            int mistakes = 0;
            for (int s = 0; s < features.Length; s++)
            {
                int error = labels[s] - Predict(features[s]);
                if (error == 0)
                {
                    continue;
                }
                mistakes++;
                float delta = learningRate * error;
                for (int i = 0; i < _weights.Length; i++)
                {
                    _weights[i] += delta * features[s][i];
                }
                Bias += delta;
            }
            if (mistakes == 0)
            {
                Converged = true;
                return epoch;
            }
        }
        return maxEpochs;
    }
}
