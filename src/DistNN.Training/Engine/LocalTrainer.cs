using System.Diagnostics;
using DistNN.Data;
using DistNN.Data.Batching;
using DistNN.Nn;
using DistNN.Nn.Models;
using DistNN.Nn.Optimizers;
using DistNN.Tensors;
using DistNN.Training.Plan;

namespace DistNN.Training.Engine;

/// <summary>
/// The engine-only loop: one model, one optimizer, in the calling thread. It is the reference the actor
/// run is compared against (same plan, same seed, same sample order) and the inner loop of `distnn bench`.
/// </summary>
public sealed class LocalTrainer
{
    private readonly TrainingPlan _plan;
    private readonly Action<TrainingEvent>? _listener;

    public LocalTrainer(TrainingPlan plan, Action<TrainingEvent>? listener = null)
    {
        _plan = plan;
        _listener = listener;
    }

    public Sequential? Model { get; private set; }

    /// <summary>
    /// The samples of an epoch (1-based) in the order they are trained, cut into batches of the plan's size. By default the
    /// order of the actors' shard layout for the plan's workers (<see cref="ShardLayout.EpochOrder"/>: one worker
    /// of that plan trains the same batches); <see cref="ShardLayout.SyncRoundOrder"/> gives a sync run's rounds.
    /// </summary>
    public Func<int, int[]>? Order { get; init; }

    public TrainingSummary Run(Dataset train, Dataset test, CancellationToken cancel = default)
    {
        ComputeThreads.Current = _plan.EffectiveThreads;
        var model = ModelBuilder.Build(_plan.Model, _plan.Seed);
        Model = model;
        var loss = ModelBuilder.CreateLoss(_plan.Model.Loss);
        var rule = _plan.Optimizer.Create();
        var optimizer = new ParameterOptimizer(rule, model.Parameters);
        var schedule = _plan.Schedule;
        var step = new ReplicaStep(model, loss) { Augmenter = ReplicaStep.AugmenterFor(_plan.Augmentation, _plan.Seed) };
        int batchesPerEpoch = (train.Count + _plan.BatchSize - 1) / _plan.BatchSize;
        var evaluator = new Evaluator();
        int batch = _plan.BatchSize;
        var wall = Stopwatch.StartNew();
        double trainSeconds = 0;
        long processed = 0;
        EpochCompleted? last = null;
        double? firstBatchLoss = null;

        for (int epoch = 1; epoch <= _plan.Epochs; epoch++)
        {
            var order = Order?.Invoke(epoch) ?? new ShardLayout(train.Count, batch, _plan.Workers).EpochOrder(_plan.Seed, epoch);
            if (order.Length != train.Count)
            {
                throw new ArgumentException($"the epoch's order holds {order.Length} samples, the training set {train.Count}");
            }
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            var epochClock = Stopwatch.StartNew();
            var reportClock = Stopwatch.StartNew();
            for (int start = 0; start < order.Length; start += batch)
            {
                cancel.ThrowIfCancellationRequested();
                var indices = order.AsSpan(start, Math.Min(batch, order.Length - start));
                int batchId = start / batch;
                rule.LearningRate = schedule.LearningRate(_plan.Optimizer.LearningRate, epoch - 1, (epoch - 1 + (double)start / order.Length) / _plan.Epochs);
                long stepNumber = (long)(epoch - 1) * batchesPerEpoch + batchId;
                var (l, c) = step.Run(train, indices, stepNumber);
                // The bound is the run's first batch loss, as the coordinator's: a healthy run only goes down from it.
                firstBatchLoss ??= l;
                if (_plan.DivergenceFactor > 0 && l > _plan.DivergenceFactor * Math.Abs(firstBatchLoss.Value))
                {
                    throw new DivergedException($"step {stepNumber}: training loss {l:G4} is past {_plan.DivergenceFactor:G}× the first batch's "
                        + $"{firstBatchLoss.Value:G4}: the run diverged (try a lower --lr)");
                }
                if (_plan.ClipNorm > 0)
                {
                    GradientClipping.ClipByGlobalNorm(model.Parameters, _plan.ClipNorm);
                }
                optimizer.Step();
                lossSum += l * (double)indices.Length;
                correct += c;
                seen += indices.Length;
                if (_listener is not null && reportClock.ElapsedMilliseconds >= 200)
                {
                    reportClock.Restart();
                    double rate = seen / epochClock.Elapsed.TotalSeconds;
                    _listener(new StepProgress(epoch, _plan.Epochs, seen, order.Length, lossSum / seen, (double)correct / seen, rate,
                        [new WorkerRate("local", rate, seen, Batches: batchId + 1)], batchId + 1, batchesPerEpoch));
                }
            }
            double seconds = epochClock.Elapsed.TotalSeconds;
            trainSeconds += seconds;
            processed += seen;
            var eval = evaluator.Run(model, loss, test);
            last = new EpochCompleted(epoch, _plan.Epochs, lossSum / seen, (double)correct / seen, eval.Loss, eval.Accuracy,
                seen / seconds, wall.Elapsed.TotalSeconds, rule.LearningRate, processed, [new WorkerRate("local", seen / seconds, seen, Batches: batchesPerEpoch)],
                SamplesApplied: processed);
            _listener?.Invoke(last);
        }

        return new TrainingSummary
        {
            Model = _plan.ModelName,
            Optimizer = _plan.Optimizer.Name,
            LearningRate = double.Parse(_plan.Optimizer.LearningRate.ToString("R")),
            BatchSize = batch,
            Epochs = _plan.Epochs,
            Seed = _plan.Seed,
            Threads = _plan.EffectiveThreads,
            TestAccuracy = last?.TestAccuracy ?? 0,
            TestLoss = last?.TestLoss ?? 0,
            TrainLoss = last?.TrainLoss ?? 0,
            TrainSamplesPerSec = trainSeconds > 0 ? processed / trainSeconds : 0,
            WallSeconds = wall.Elapsed.TotalSeconds,
            Mode = "local",
            SamplesProcessed = processed,
            SamplesApplied = processed, // one loop: each batch it processes is applied
            SamplesExpected = (long)train.Count * _plan.Epochs,
            Parameters = model.ParameterCount,
            Augment = _plan.Augmentation.IsEnabled ? _plan.Augmentation.ToString() : null,
        };
    }
}
