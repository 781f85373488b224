using DistNN.Protocol.Messages;
using Akka.TestKit.Xunit2;
using DistNN.Data;
using DistNN.Data.Batching;
using DistNN.Nn.Models;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

public class TrainingRunSpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);
    private int _runs;

    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public TrainingRunSpec(Xunit.Abstractions.ITestOutputHelper output) : base(ActorTestConfig.Setup, null, output)
    {
        _output = output;
    }

    private async Task<(TrainingSummary Summary, Sequential Model)> Run(TrainingPlan plan, IDataSource data)
    {
        var run = new TrainingRun(plan, data);
        TrainingHosting.StartActors(Sys, run, $"run{++_runs}-");
        var summary = await run.Completion.Task.WaitAsync(s_run);
        return (summary, run.FinalModel!);
    }

    [Fact]
    public async Task Sync_mode_with_two_workers_matches_the_plain_loop_over_their_rounds_with_double_batch()
    {
        // 640 samples: 20 rounds of two workers at batch 16, each worker on its own shards; or 20 steps of the plain loop
        // at batch 32 whose batch r is round r (worker 0's r-th batch, then worker 1's).
        var data = TestData.BarsSource(640, 10);
        var spec = TestData.SmallMlp();
        var plan = TestData.Plan(spec, workers: 2, batch: 16);
        var (_, two) = await Run(plan, data);
        var layout = new ShardLayout(640, 16, workers: 2);
        var local = new LocalTrainer(plan with { BatchSize = 32, Workers = 1 }) { Order = epoch => layout.SyncRoundOrder(plan.Seed, epoch) };
        local.Run(data.Train, data.Test);

        double worst = 0;
        for (int p = 0; p < two.Parameters.Count; p++)
        {
            var a = local.Model!.Parameters[p].Value.Span;
            var b = two.Parameters[p].Value.Span;
            for (int i = 0; i < a.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
            }
        }
        _output.WriteLine($"largest weight difference after 20 steps: {worst:E2}");
        Assert.True(worst <= 1e-5, $"largest weight difference {worst:E2} after 20 steps");
    }

    [Fact]
    public async Task Adam_at_a_learning_rate_of_1e6_fails_as_diverged_naming_the_batch_and_a_lower_learning_rate()
    {
        var run = new TrainingRun(TestData.Plan(optimizer: "adam", lr: 1e6f, epochs: 3), TestData.BarsSource(640, 10));
        TrainingHosting.StartActors(Sys, run, $"run{++_runs}-");

        var error = await Assert.ThrowsAsync<TrainingFailedException>(() => run.Completion.Task.WaitAsync(s_run));

        _output.WriteLine(error.Message);
        Assert.Matches(@"^training diverged at epoch \d+, batch \d+ \(worker .+\): .*; try a lower learning rate than 1E\+06$", error.Message);
    }

    [Fact]
    public async Task Actors_and_the_plain_loop_reach_the_same_weights_with_one_worker()
    {
        var data = TestData.BarsSource(320, 10);
        var plan = TestData.Plan(optimizer: "adam", lr: 1e-3f);
        var (_, actors) = await Run(plan, data);
        var local = new LocalTrainer(plan);
        local.Run(data.Train, data.Test);

        for (int p = 0; p < actors.Parameters.Count; p++)
        {
            Assert.Equal(local.Model!.Parameters[p].Value.Span.ToArray(), actors.Parameters[p].Value.Span.ToArray());
        }
    }

    [Theory]
    [InlineData("mlp", ConsistencyMode.Sync, 2, 1)]
    [InlineData("mlp", ConsistencyMode.Async, 2, 2)]
    [InlineData("mlp", ConsistencyMode.Ssp, 2, 2)]
    [InlineData("cnn", ConsistencyMode.Sync, 2, 1)]
    [InlineData("lstm", ConsistencyMode.Sync, 2, 1)]
    public async Task A_small_run_through_the_actors_learns(string preset, ConsistencyMode mode, int workers, int servers)
    {
        bool recurrent = preset == "lstm";
        var data = new InMemoryDataSource(TestData.Bars(preset == "cnn" ? 600 : 2000, 1), TestData.Bars(200, 2));
        var plan = TestData.Plan(ModelPresets.Get(preset), mode, workers, servers, batch: 32, epochs: recurrent ? 3 : 2, optimizer: "adam", lr: recurrent ? 1e-2f : 3e-3f)
            with { ClipNorm = recurrent ? 1f : 0f };

        var (summary, _) = await Run(plan, data);

        Assert.Equal(summary.SamplesExpected, summary.SamplesProcessed);
        Assert.Equal(summary.SamplesExpected, summary.SamplesApplied);
        Assert.True(summary.TestAccuracy > 0.8, $"{preset} {mode}: test accuracy {summary.TestAccuracy:P1}");
    }
}

public class BatchNormStateSpec : TestKit
{
    public BatchNormStateSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public async Task Running_statistics_reach_the_servers_and_the_evaluated_model()
    {
        var spec = new ModelSpec
        {
            Name = "bn-mlp",
            Input = [28, 28, 1],
            Layers =
            [
                new LayerSpec { Type = "flatten" },
                new LayerSpec { Type = "dense", Units = 16 },
                new LayerSpec { Type = "batchnorm" },
                new LayerSpec { Type = "activation", Activation = "relu" },
                new LayerSpec { Type = "dense", Units = 10 },
            ],
        };
        var run = new TrainingRun(TestData.Plan(spec, workers: 2, optimizer: "adam", lr: 3e-3f), TestData.BarsSource(640, 64));
        TrainingHosting.StartActors(Sys, run);

        await run.Completion.Task.WaitAsync(TimeSpan.FromMinutes(2));

        var state = run.FinalModel!.State;
        Assert.NotEmpty(state);
        var mean = state.First(p => p.Name.Contains("mean", StringComparison.Ordinal)).Value.Span.ToArray();
        var variance = state.First(p => p.Name.Contains("var", StringComparison.Ordinal)).Value.Span.ToArray();
        // Initialised at 0 and 1; after training they hold the averaged statistics of the workers' batches.
        Assert.Contains(mean, m => Math.Abs(m) > 1e-3);
        Assert.Contains(variance, v => Math.Abs(v - 1) > 1e-3);
    }
}
