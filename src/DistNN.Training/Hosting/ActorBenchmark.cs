using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Training.Hosting;

/// <summary>
/// What the actors add: the same model, batch and data (random, MNIST-shaped; SGD lr 0.1) trained by the plain
/// loop and then through coordinator, parameter servers and workers in one ActorSystem, side by side in one run.
/// Both figures are means over whole timed stretches (every step and every message counted), as medians over
/// alternating rounds.
/// </summary>
public sealed record ActorBenchmarkResult(
    string Model, int Batch, int Threads, int Workers, int Servers, string Mode,
    double EngineSamplesPerSec, double ActorSamplesPerSec, double Ratio, double EngineSamplesPerSecMedian, int Rounds,
    double EngineMsPerStep, double ActorMsComputePerBatch, double ActorMsWaitPerBatch);

public static class ActorBenchmark
{
    /// <summary>
    /// Alternates <paramref name="rounds"/> pairs (plain loop, then actors) so that a change in the machine's load
    /// hits both sides alike; reports the medians and the median of the per-pair ratios.
    /// </summary>
    public static async Task<ActorBenchmarkResult> RunAsync(string modelName, ModelSpec spec, int batch, int threads, double seconds,
        int workers = 1, int servers = 1, ConsistencyMode mode = ConsistencyMode.Sync, int rounds = 3)
    {
        var pairs = new List<(StepBenchmarkResult Engine, ActorRound Actors)>();
        for (int r = 0; r < rounds; r++)
        {
            var engine = StepBenchmark.Run(modelName, spec, batch, threads, seconds / rounds, warmupSeconds: r == 0 ? 1.5 : 0.3);
            var actors = await RunActorsAsync(modelName, spec, batch, threads, seconds / rounds, workers, servers, mode, engine.SamplesPerSecMean);
            pairs.Add((engine, actors));
        }
        double Median(IEnumerable<double> xs)
        {
            var a = xs.Order().ToArray();
            return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
        }
        double engineRate = Median(pairs.Select(p => p.Engine.SamplesPerSecMean));
        double actorRate = Median(pairs.Select(p => p.Actors.SamplesPerSec));
        return new ActorBenchmarkResult(modelName, batch, threads, workers, servers, mode.ToString().ToLowerInvariant(),
            Math.Round(engineRate, 1), Math.Round(actorRate, 1),
            Math.Round(Median(pairs.Select(p => p.Actors.SamplesPerSec / p.Engine.SamplesPerSecMean)), 3),
            Median(pairs.Select(p => p.Engine.SamplesPerSecMedian)), rounds,
            Math.Round(1e3 * batch / engineRate, 3),
            Math.Round(Median(pairs.Select(p => p.Actors.MsCompute)), 3),
            Math.Round(Median(pairs.Select(p => p.Actors.MsWait)), 3));
    }

    private sealed record ActorRound(double SamplesPerSec, double MsCompute, double MsWait);

    private static async Task<ActorRound> RunActorsAsync(string modelName, ModelSpec spec, int batch, int threads, double seconds,
        int workers, int servers, ConsistencyMode mode, double engineRate)
    {
        // An epoch of about a third of the stretch: one warm-up epoch, then three timed ones.
        int batchesPerEpoch = Math.Clamp((int)(engineRate * seconds / 3 / batch), 8, 100_000);
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
        double rate = timed.Count * (double)train.Count / timed.Sum(e => train.Count / e.SamplesPerSec);
        return new ActorRound(rate,
            timed.Average(e => e.Workers!.Average(w => w.MsComputePerBatch)),
            timed.Average(e => e.Workers!.Average(w => w.MsWaitPerBatch)));
    }
}
