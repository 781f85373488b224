using DistNN.Data;
using DistNN.Data.Idx;
using DistNN.Nn.Models;
using DistNN.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace DistNN.Cli.Tests;

public class OnnxExportSpec(ITestOutputHelper output)
{
    private const int Batch = 500;

    /// <summary>Each model is trained briefly by `distnn train`, saved, exported by `distnn export`, and run on all 10,000 MNIST test images by both.</summary>
    [Theory]
    [InlineData("mlp", 6000)]
    [InlineData("examples/cnn-bn.json", 1000)]
    [InlineData("lstm", 2000)]
    [InlineData("gru", 2000)]
    [InlineData("rnn", 2000)]
    public void Onnx_runtime_computes_the_outputs_and_classes_of_distnn_on_every_mnist_test_image(string model, int trainLimit)
    {
        var mnist = Distnn.MnistDir();
        var dir = Distnn.TempDir();
        string saved = Path.Combine(dir, "model.safetensors"), onnx = Path.Combine(dir, "model.onnx");
        string modelArgument = model.EndsWith(".json", StringComparison.Ordinal) ? Path.Combine(Distnn.RepositoryRoot(), model) : model;
        var train = Distnn.Run("train", "--model", modelArgument, "--data-dir", mnist, "--train-limit", $"{trainLimit}", "--epochs", "1",
            "--threads", "1", "--save", saved, "--no-progress");
        Assert.True(train.ExitCode == 0, train.All);

        var export = Distnn.Run("export", "--model-file", saved, "--format", "onnx", "--out", onnx);

        Assert.True(export.ExitCode == 0, export.All);
        Assert.Contains($"wrote {onnx}", export.Stdout);
        var distnn = ModelFile.Load(saved).Model;
        var files = IdxDataset.Locate(mnist);
        var test = IdxDataset.LoadSplit(files.TestImages, files.TestLabels);
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        ComputeThreads.Current = 1;

        float worst = 0f;
        int distnnRight = 0, onnxRight = 0, disagreements = 0;
        for (int start = 0; start < test.Count; start += Batch)
        {
            int n = Math.Min(Batch, test.Count - start);
            var input = test.Features.AsSpan(start * test.SampleLength, n * test.SampleLength).ToArray();
            var expected = distnn.Forward(new Tensor(input, [n, .. test.SampleShape]), training: false).Span.ToArray();
            var actual = RunOnnx(session, input, [n, .. test.SampleShape]);

            Assert.Equal(expected.Length, actual.Length);
            int classes = expected.Length / n;
            for (int i = 0; i < n; i++)
            {
                int label = test.Labels[start + i];
                int a = ArgMax(expected.AsSpan(i * classes, classes)), b = ArgMax(actual.AsSpan(i * classes, classes));
                distnnRight += a == label ? 1 : 0;
                onnxRight += b == label ? 1 : 0;
                disagreements += a == b ? 0 : 1;
            }
            for (int k = 0; k < expected.Length; k++)
            {
                worst = Math.Max(worst, Math.Abs(expected[k] - actual[k]));
            }
        }

        output.WriteLine($"{model}: DistNN {distnnRight}/{test.Count}, ONNX Runtime {onnxRight}/{test.Count}, largest output difference {worst:E2}");
        Assert.True(worst <= 1e-4f, $"{model}: ONNX Runtime's outputs differ from DistNN's by up to {worst:E2}");
        Assert.Equal(0, disagreements);
        Assert.Equal(distnnRight, onnxRight);
        Assert.True(distnnRight > 3 * test.Count / 10, $"{model} trained to only {distnnRight}/{test.Count}: the comparison would say little");
    }

    [Fact]
    public void An_unknown_format_is_refused_naming_it()
    {
        var r = Distnn.Run("export", "--model-file", "whatever.safetensors", "--format", "tflite");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--format 'tflite' is not known (known: onnx)", r.All);
    }

    [Fact]
    public void A_missing_model_file_exits_2_naming_it()
    {
        string missing = Path.Combine(Distnn.TempDir(), "nothing.safetensors");

        var r = Distnn.Run("export", "--model-file", missing, "--out", Path.Combine(Distnn.TempDir(), "x.onnx"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
    }

    private static float[] RunOnnx(InferenceSession session, float[] input, int[] shape)
    {
        var tensor = new DenseTensor<float>(input, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
        return results.Single(r => r.Name == "output").AsEnumerable<float>().ToArray();
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }
}
