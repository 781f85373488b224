using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

public class CoordinatorSpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(60);

    public CoordinatorSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Theory]
    [InlineData(ConsistencyMode.Sync)]
    [InlineData(ConsistencyMode.Async)]
    public async Task A_stopped_workers_batches_go_to_the_others_and_the_epoch_covers_every_sample_once(ConsistencyMode mode)
    {
        var plan = TestData.Plan(mode: mode, workers: 2, epochs: 2);
        var data = TestData.BarsSource(640, 64);
        var done = new TaskCompletionSource<TrainingSummary>();
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, data, null, done));
        Sys.ActorOf(ParameterServer.Props(coordinator));
        Sys.ActorOf(Worker.Props("worker-0", coordinator, data, 1));
        var doomed = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(doomed.Ref, "worker-1"), doomed.Ref);
        doomed.ExpectMsg<InitWorker>();
        coordinator.Tell(new WorkerReady("worker-1"), doomed.Ref);
        var assigned = doomed.ExpectMsg<AssignBatches>();
        Assert.NotEmpty(assigned.BatchIds);

        Sys.Stop(doomed.Ref);

        var summary = await done.Task.WaitAsync(s_run);
        Assert.Equal(summary.SamplesExpected, summary.SamplesProcessed);
        Assert.Equal(summary.SamplesExpected, summary.SamplesApplied);
        Assert.Equal(2 * 640, summary.SamplesProcessed);
        Assert.Equal(Nn.Models.ModelBuilder.Build(plan.Model, plan.Seed).ParameterCount, summary.Parameters);
        Assert.True(summary.Parameters > 0);
    }

    [Fact]
    public async Task Every_epoch_ends_with_an_evaluation_on_the_test_set()
    {
        var plan = TestData.Plan(epochs: 3);
        var epochs = new List<EpochCompleted>();
        var run = new TrainingRun(plan, TestData.BarsSource(320, 100), e =>
        {
            if (e is EpochCompleted c)
            {
                lock (epochs)
                {
                    epochs.Add(c);
                }
            }
        });

        TrainingHosting.StartActors(Sys, run);

        var summary = await run.Completion.Task.WaitAsync(s_run);
        Assert.Equal([1, 2, 3], epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => Assert.InRange(e.TestAccuracy, 0.0, 1.0));
        Assert.Equal(epochs[^1].TestAccuracy, summary.TestAccuracy);
    }

    [Fact]
    public async Task The_run_fails_with_a_clear_reason_when_the_plans_nodes_never_arrive()
    {
        var plan = TestData.Plan(workers: 2);
        var done = new TaskCompletionSource<TrainingSummary>();
        Sys.ActorOf(Coordinator.Props(plan, TestData.BarsSource(64, 10), null, done, registrationTimeout: TimeSpan.FromMilliseconds(200)));

        var error = await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_run));

        Assert.Contains("0/1 parameter servers and 0/2 workers", error.Message);
    }
}
