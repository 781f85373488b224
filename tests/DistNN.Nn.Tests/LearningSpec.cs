using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;

namespace DistNN.Nn.Tests;

/// <summary>Small end-to-end checks that the pieces together actually learn.</summary>
public class LearningSpec
{
    private static float Accuracy(Sequential model, Tensor x, int[] labels)
    {
        var y = model.Forward(x, training: false);
        int classes = y.RowLength;
        int correct = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            var row = y.Span.Slice(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }
            correct += best == labels[r] ? 1 : 0;
        }
        return correct / (float)labels.Length;
    }

    private static Tensor OneHot(int[] labels, int classes)
    {
        var t = new Tensor(labels.Length, classes);
        for (int i = 0; i < labels.Length; i++)
        {
            t[i * classes + labels[i]] = 1f;
        }
        return t;
    }

    [Fact]
    public void Mlp_learns_xor_with_adam()
    {
        var spec = ModelSpec.FromJson("""
            {"input": [2], "loss": "softmax_cross_entropy", "layers": [
              {"type": "dense", "units": 8, "activation": "tanh", "init": "xavier_normal"},
              {"type": "dense", "units": 2}]}
            """);
        var model = ModelBuilder.Build(spec, seed: 1);
        var x = new Tensor([0f, 0f, 0f, 1f, 1f, 0f, 1f, 1f], 4, 2);
        int[] labels = [0, 1, 1, 0];
        var targets = OneHot(labels, 2);
        var loss = ModelBuilder.CreateLoss(spec.Loss);
        var optimizer = new ParameterOptimizer(OptimizerFactory.Create("adam", 0.05f), model.Parameters);
        Tensor? lossGradient = null;

        float last = 0;
        for (int step = 0; step < 300; step++)
        {
            last = model.ComputeGradients(x, targets, loss, ref lossGradient);
            optimizer.Step();
        }

        Assert.Equal(1f, Accuracy(model, x, labels));
        Assert.True(last < 0.05f, $"loss {last}");
    }

    [Theory]
    [InlineData("sgd", 0.3f)]
    [InlineData("momentum", 0.05f)]
    [InlineData("nesterov", 0.05f)]
    [InlineData("adagrad", 0.1f)]
    [InlineData("rmsprop", 0.005f)]
    [InlineData("adam", 0.01f)]
    public void Mlp_with_dropout_separates_three_noisy_blobs(string optimizerName, float learningRate)
    {
        // Three Gaussian blobs in 4-D, centres on a simplex; minibatches of 32 with dropout and L2.
        var rng = new Random(11);
        const int samples = 600, features = 4, classes = 3;
        var x = new Tensor(samples, features);
        var labels = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            labels[i] = i % classes;
            for (int f = 0; f < features; f++)
            {
                double centre = f == labels[i] ? 2.0 : 0.0;
                x[i * features + f] = (float)(centre + 0.6 * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
            }
        }
        var spec = ModelSpec.FromJson("""
            {"input": [4], "layers": [
              {"type": "dense", "units": 32, "activation": "relu", "init": "he_uniform"},
              {"type": "dropout", "rate": 0.2},
              {"type": "dense", "units": 3, "init": "torch_default"}]}
            """);
        var model = ModelBuilder.Build(spec, seed: 2);
        var loss = ModelBuilder.CreateLoss(spec.Loss);
        var optimizer = new ParameterOptimizer(OptimizerFactory.Create(optimizerName, learningRate, new OptimizerOptions { L2 = 1e-4f }), model.Parameters);
        var batchX = new Tensor(32, features);
        var batchY = new Tensor(32, classes);
        Tensor? lossGradient = null;

        for (int epoch = 0; epoch < 15; epoch++)
        {
            for (int start = 0; start + 32 <= samples; start += 32)
            {
                x.Span.Slice(start * features, 32 * features).CopyTo(batchX.Span);
                OneHot(labels[start..(start + 32)], classes).Span.CopyTo(batchY.Span);
                model.ComputeGradients(batchX, batchY, loss, ref lossGradient);
                GradientClipping.ClipByGlobalNorm(model.Parameters, 5f);
                optimizer.Step();
            }
        }

        Assert.True(Accuracy(model, x, labels) > 0.95f, $"{optimizerName}: accuracy {Accuracy(model, x, labels)}");
    }
}
