using DistNN.Protocol.Messages;
using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;

namespace DistNN.Benchmarking;

/// <summary>
/// What the actors add: the same plan and data (random, MNIST-shaped; SGD lr 0.1) trained by the plain loop
/// (LocalTrainer) and then through coordinator, parameter servers and workers in one ActorSystem, side by side.
/// Both figures are means over whole timed stretches (every step and every message counted), as medians over
/// alternating rounds.
/// </summary>
public sealed record ActorBenchmarkResult(
    string Model, int Batch, int Threads, int Workers, int Servers, string Mode,
    double EngineSamplesPerSec, double ActorSamplesPerSec, double Ratio, double BenchSamplesPerSecMedian, int Rounds,
    double EngineMsPerStep, double ActorMsComputePerBatch, double ActorMsWaitPerBatch);

public static class ActorBenchmark
{
    /// <summary>
    /// Alternates <paramref name="rounds"/> pairs (plain loop, then actors) on the same plan and data, so that a change
    /// in the machine's load hits both sides alike; reports the medians and the median of the per-pair ratios.
    /// Both sides stream the same shuffled data set (not a few cached batches), so the data access is the same.
    /// </summary>
    public static async Task<ActorBenchmarkResult> RunAsync(string modelName, ModelSpec spec, int batch, int threads, double seconds,
        int workers = 1, int servers = 1, ConsistencyMode mode = ConsistencyMode.Sync, int rounds = 3)
    {
        // Size an epoch at about a ninth of the budget from a short step benchmark: per round one warm-up epoch and three timed ones.
        var probe = StepBenchmark.Run(modelName, spec, batch, threads, Math.Min(2.0, seconds / 3));
        int batchesPerEpoch = Math.Clamp((int)(probe.SamplesPerSecMean * seconds / rounds / 3 / batch), 8, 100_000);
        var data = new InMemoryDataSource(StepBenchmark.RandomMnistShaped(batch, batchesPerEpoch, seed: 1), StepBenchmark.RandomMnistShaped(batch, 1, seed: 2));
        var plan = new TrainingPlan
        {
            ModelName = modelName,
            Model = spec,
            Optimizer = new OptimizerSettings(OptimizerKind.Sgd, 0.1f),
            Epochs = 4,
            BatchSize = batch,
            Threads = threads,
            Workers = workers,
            Servers = servers,
            Mode = mode,
            Seed = 0,
        };
        var pairs = new List<(Round Engine, Round Actors)>();
        for (int r = 0; r < rounds; r++)
        {
            var engineEpochs = Collector(out var engineListener);
            new LocalTrainer(plan, engineListener).Run(data.Train, data.Test);
            var actorEpochs = Collector(out var actorListener);
            await SingleProcessTraining.RunAsync(plan, data, actorListener);
            pairs.Add((Summarize(engineEpochs, data.Train.Count), Summarize(actorEpochs, data.Train.Count)));
        }
        double engineRate = Medians.Of(pairs.Select(p => p.Engine.SamplesPerSec));
        return new ActorBenchmarkResult(modelName, batch, threads, workers, servers, mode.ToString().ToLowerInvariant(),
            Math.Round(engineRate, 1), Math.Round(Medians.Of(pairs.Select(p => p.Actors.SamplesPerSec)), 1),
            Math.Round(Medians.Of(pairs.Select(p => p.Actors.SamplesPerSec / p.Engine.SamplesPerSec)), 3),
            probe.SamplesPerSecMedian, rounds,
            Math.Round(1e3 * batch / engineRate, 3),
            Math.Round(Medians.Of(pairs.Select(p => p.Actors.MsCompute)), 3),
            Math.Round(Medians.Of(pairs.Select(p => p.Actors.MsWait)), 3));
    }

    private sealed record Round(double SamplesPerSec, double MsCompute, double MsWait);

    private static List<EpochCompleted> Collector(out Action<TrainingEvent> listener)
    {
        var timed = new List<EpochCompleted>();
        listener = e =>
        {
            if (e is EpochCompleted { Epoch: > 1 } done)
            {
                lock (timed)
                {
                    timed.Add(done);
                }
            }
        };
        return timed;
    }

    /// <summary>Epoch throughput excludes the evaluation between epochs; the timed epochs are averaged by time.</summary>
    private static Round Summarize(List<EpochCompleted> timed, int samples) => new(
        timed.Count * (double)samples / timed.Sum(e => samples / e.SamplesPerSec),
        timed.Average(e => e.Workers?.Average(w => w.MsComputePerBatch) ?? 0),
        timed.Average(e => e.Workers?.Average(w => w.MsWaitPerBatch) ?? 0));
}
