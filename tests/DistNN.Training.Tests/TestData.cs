using DistNN.Protocol.Messages;
using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

internal static class TestData
{
    /// <summary>
    /// MNIST-shaped images whose class is the row of a bright horizontal bar (rows 3, 5, …, 21) under uniform
    /// noise: learnable in an epoch or two by mlp, cnn and lstm alike.
    /// </summary>
    public static Dataset Bars(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count * 784];
        var y = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = rng.Next(10);
            y[i] = label;
            var img = x.AsSpan(i * 784, 784);
            for (int p = 0; p < 784; p++)
            {
                img[p] = rng.NextSingle() * 0.3f;
            }
            int row = 3 + 2 * label;
            int from = rng.Next(0, 10);
            for (int c = from; c < from + 16; c++)
            {
                img[row * 28 + c] = 1f;
            }
        }
        return new Dataset("bars", x, [28, 28, 1], y, 10);
    }

    public static IDataSource BarsSource(int train, int test) => new InMemoryDataSource(Bars(train, 1), Bars(test, 2));

    /// <summary>A small dense model: fast enough for many actor specs (<paramref name="hidden"/> units in its hidden layer).</summary>
    public static ModelSpec SmallMlp(int hidden = 16) => new()
    {
        Name = hidden == 16 ? "small-mlp" : $"mlp-{hidden}",
        Input = [28, 28, 1],
        Layers =
        [
            new LayerSpec { Type = "flatten" },
            new LayerSpec { Type = "dense", Units = hidden, Activation = "relu" },
            new LayerSpec { Type = "dense", Units = 10 },
        ],
    };

    public static TrainingPlan Plan(ModelSpec? spec = null, ConsistencyMode mode = ConsistencyMode.Sync, int workers = 1, int servers = 1,
        int batch = 32, int epochs = 1, string optimizer = "sgd", float lr = 0.1f, int staleness = 2) => new()
    {
        ModelName = spec?.Name ?? "small-mlp",
        Model = spec ?? SmallMlp(),
        Optimizer = OptimizerSettings.Parse(optimizer, lr),
        Mode = mode,
        Workers = workers,
        Servers = servers,
        BatchSize = batch,
        Epochs = epochs,
        Staleness = staleness,
        Threads = 1,
        Seed = 3,
    };
}
