using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Training.Hosting;

/// <summary>
/// What the actors add: the same model, batch and data (random, MNIST-shaped; SGD lr 0.1) trained by the plain
/// loop and then through coordinator, parameter servers and workers in one ActorSystem, side by side in one run.
/// Both figures are means over whole timed stretches (every step and every message counted).
/// </summary>
public sealed record ActorBenchmarkResult(
    string Model, int Batch, int Threads, int Workers, int Servers, string Mode,
    double EngineSamplesPerSec, double ActorSamplesPerSec, double Ratio, double EngineSamplesPerSecMedian, int ActorEpochsTimed,
    double EngineMsPerStep, double ActorMsComputePerBatch, double ActorMsWaitPerBatch);

public static class ActorBenchmark
{
    public static async Task<ActorBenchmarkResult> RunAsync(string modelName, ModelSpec spec, int batch, int threads, double seconds,
        int workers = 1, int servers = 1, ConsistencyMode mode = ConsistencyMode.Sync)
    {
        var engine = StepBenchmark.Run(modelName, spec, batch, threads, seconds);

        // Size an epoch at about a third of the time budget; one warm-up epoch and three timed ones.
        int batchesPerEpoch = Math.Clamp((int)(engine.SamplesPerSecMean * seconds / 3 / batch), 8, 100_000);
        var train = StepBenchmark.RandomMnistShaped(batch, batchesPerEpoch, seed: 1);
        var test = StepBenchmark.RandomMnistShaped(batch, 1, seed: 2);
        var plan = new TrainingPlan
        {
            ModelName = modelName,
            Model = spec,
            Optimizer = "sgd",
            LearningRate = 0.1f,
            Epochs = 4,
            BatchSize = batch,
            Threads = threads,
            Workers = workers,
            Servers = servers,
            Mode = mode,
            Seed = 0,
        };
        var timed = new List<EpochCompleted>();
        await SingleProcessTraining.RunAsync(plan, new InMemoryDataSource(train, test), e =>
        {
            if (e is EpochCompleted { Epoch: > 1 } done)
            {
                lock (timed)
                {
                    timed.Add(done);
                }
            }
        });
        // Epoch throughput excludes the evaluation between epochs; average the timed epochs by time.
        double actor = timed.Count * (double)train.Count / timed.Sum(e => train.Count / e.SamplesPerSec);
        return new ActorBenchmarkResult(modelName, batch, threads, workers, servers, mode.ToString().ToLowerInvariant(),
            engine.SamplesPerSecMean, Math.Round(actor, 1), Math.Round(actor / engine.SamplesPerSecMean, 3), engine.SamplesPerSecMedian, timed.Count,
            Math.Round(1e3 * batch / engine.SamplesPerSecMean, 3),
            Math.Round(timed.Average(e => e.Workers!.Average(w => w.MsComputePerBatch)), 3),
            Math.Round(timed.Average(e => e.Workers!.Average(w => w.MsWaitPerBatch)), 3));
    }
}
