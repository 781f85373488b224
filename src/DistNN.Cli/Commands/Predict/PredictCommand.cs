using DistNN.Data.Idx;
using DistNN.Tensors;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands.Predict;

/// <summary>`distnn predict`: classify one test image or one PNG with a saved model and show the probabilities.</summary>
public sealed class PredictCommand : AsyncCommand<PredictSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, PredictSettings settings, CancellationToken cancellationToken)
    {
        ComputeThreads.Current = settings.Threads;
        var (spec, model) = ModelStore.Load(settings.ModelFile);
        var shape = model.InputShape;
        float[] sample;
        int? label = null;
        string what;
        if (settings.Image is { } image)
        {
            var loaded = PngInput.Load(image, shape);
            sample = loaded.Values;
            what = $"{image} ({loaded.Width}×{loaded.Height}{(loaded.Inverted ? ", light background inverted" : "")})";
        }
        else
        {
            var files = IdxDataset.Locate(settings.DataDir);
            var test = IdxDataset.LoadSplit(files.TestImages, files.TestLabels, name: "test");
            int index = settings.Index!.Value;
            if (index >= test.Count)
            {
                throw new OptionException($"--index {index} is outside the test set of {settings.DataDir} (0..{test.Count - 1})");
            }
            if (!test.SampleShape.SequenceEqual(shape))
            {
                throw new OptionException($"--data-dir {settings.DataDir}: images of shape [{string.Join(",", test.SampleShape)}] do not fit the model's input [{string.Join(",", shape)}]");
            }
            sample = test.Sample(index).ToArray();
            label = test.Labels[index];
            what = $"test image {index} of {settings.DataDir}";
        }

        var prediction = Prediction.Of(model, spec.Loss, sample);
        Console.WriteLine(label is { } l ? $"{what}, label {l}" : what);
        Console.WriteLine($"predicted {prediction.Class} ({prediction.Kind} {prediction.Values[prediction.Class]:F4})");
        for (int c = 0; c < prediction.Values.Length; c++)
        {
            float v = prediction.Values[c];
            string bar = prediction.IsProbability ? new string('#', (int)MathF.Round(Math.Clamp(v, 0f, 1f) * 40)) : "";
            Console.WriteLine($"  {c,2} {v,9:F4} {bar}");
        }
        if (TerminalImage.CanRender(shape))
        {
            Console.Write(TerminalImage.Render(sample, shape[0], shape[1]));
        }
        return Task.FromResult(0);
    }
}
