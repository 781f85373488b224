using DistNN.Nn.Activations;
using DistNN.Nn.Models;

namespace DistNN.Cli.Commands.Predict;

/// <summary>A model's answer for one sample: the class and what the outputs mean under the model's loss.</summary>
internal sealed record Prediction(int Class, float[] Values, bool IsProbability, string Kind)
{
    /// <summary>
    /// Runs <paramref name="model"/> on one sample. Logits of softmax cross-entropy become softmax probabilities,
    /// of sigmoid binary cross-entropy per-class sigmoid probabilities; other losses' outputs are shown as they are.
    /// </summary>
    public static Prediction Of(Sequential model, string loss, float[] sample)
    {
        var input = new Tensor(sample, [1, .. model.InputShape]);
        var output = model.Forward(input, training: false).Span.ToArray();
        var values = new float[output.Length];
        string kind;
        switch (loss.ToLowerInvariant())
        {
            case "softmax_cross_entropy" or "cross_entropy":
                new Softmax().Forward(output, values, output.Length);
                kind = "probability";
                break;
            case "sigmoid_binary_cross_entropy" or "bce_with_logits":
                new Sigmoid().Forward(output, values, output.Length);
                kind = "probability";
                break;
            default:
                output.CopyTo(values, 0);
                kind = "output";
                break;
        }
        int best = 0;
        for (int c = 1; c < values.Length; c++)
        {
            if (values[c] > values[best])
            {
                best = c;
            }
        }
        return new Prediction(best, values, kind == "probability", kind);
    }
}
