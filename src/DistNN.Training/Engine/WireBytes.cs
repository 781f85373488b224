using DistNN.Nn.Models;
using DistNN.Training.Parameters;

namespace DistNN.Training.Engine;

public sealed record WireBytesResult(string Model, string Compression, long RawBytes, long EncodedBytes, double Ratio);

/// <summary>Bytes one push of a whole model's gradient takes in the tensor codec, per compression, against raw float32.</summary>
public static class WireBytes
{
    public static IEnumerable<WireBytesResult> Measure(string modelName, ModelSpec spec, int batch, IEnumerable<string> compressions)
    {
        var model = ModelBuilder.Build(spec, 0);
        var step = new ReplicaStep(model, ModelBuilder.CreateLoss(spec.Loss));
        var data = StepBenchmark.RandomMnistShaped(batch, 1);
        step.Run(data, Enumerable.Range(0, batch).ToArray());
        var layout = ParameterLayout.For(model, 1);
        var trainable = layout.Chunks.Where(c => !c.IsState).ToList();
        long raw = trainable.Sum(c => 4L * c.Length);
        foreach (var name in compressions)
        {
            long encoded = 0;
            if (GradientCompressor.For(name) is { } compressor)
            {
                foreach (var chunk in trainable)
                {
                    // Compress a copy: every compression sees the same gradient.
                    encoded += compressor.Apply(chunk, layout.GradientOf(chunk).ToArray());
                }
            }
            else
            {
                encoded = raw;
            }
            yield return new WireBytesResult(modelName, name, raw, encoded, Math.Round((double)encoded / raw, 4));
        }
    }
}
