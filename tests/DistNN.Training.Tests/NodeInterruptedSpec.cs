using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;

namespace DistNN.Training.Tests;

/// <summary>
/// A node stopped by SIGINT/SIGTERM tells the coordinator (<see cref="NodeInterrupted"/>): a server's node ends the run as
/// interrupted, a worker's batches go to the others, and the last worker's interruption ends the run as interrupted.
/// </summary>
public class NodeInterruptedSpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(60);

    public NodeInterruptedSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public async Task An_interrupted_server_node_ends_the_run_as_interrupted_naming_the_server()
    {
        var done = new TaskCompletionSource<TrainingSummary>();
        var coordinator = Sys.ActorOf(Coordinator.Props(TestData.Plan(), TestData.BarsSource(64, 10), null, done));
        var server = CreateTestProbe();
        coordinator.Tell(new RegisterServer(server.Ref), server.Ref);
        server.ExpectMsg<InitServer>(s_run);

        coordinator.Tell(new NodeInterrupted(server.Ref), server.Ref);

        var e = await Assert.ThrowsAsync<TrainingInterruptedException>(() => done.Task.WaitAsync(s_run));
        Assert.StartsWith("interrupted: parameter server 0's node", e.Message);
    }

    [Fact]
    public async Task An_interrupted_worker_hands_its_batches_to_the_other_and_the_run_completes()
    {
        var plan = TestData.Plan(workers: 2, epochs: 2);
        var data = TestData.BarsSource(640, 64);
        var done = new TaskCompletionSource<TrainingSummary>();
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, data, null, done));
        Sys.ActorOf(ParameterServer.Props(coordinator));
        Sys.ActorOf(Worker.Props("worker-0", coordinator, data, 1));
        var leaving = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(leaving.Ref, "worker-1"), leaving.Ref);
        leaving.ExpectMsg<InitWorker>(s_run);
        coordinator.Tell(new WorkerReady("worker-1"), leaving.Ref);
        Assert.NotEmpty(leaving.ExpectMsg<AssignBatches>(s_run).BatchIds);

        coordinator.Tell(new NodeInterrupted(leaving.Ref), leaving.Ref);
        Sys.Stop(leaving.Ref);

        var summary = await done.Task.WaitAsync(s_run);
        Assert.Equal(2 * 640, summary.SamplesProcessed);
    }

    [Fact]
    public async Task The_last_worker_interrupted_ends_the_run_as_interrupted()
    {
        var done = new TaskCompletionSource<TrainingSummary>();
        var coordinator = Sys.ActorOf(Coordinator.Props(TestData.Plan(), TestData.BarsSource(640, 64), null, done));
        Sys.ActorOf(ParameterServer.Props(coordinator));
        var worker = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(worker.Ref, "w"), worker.Ref);
        worker.ExpectMsg<InitWorker>(s_run);
        coordinator.Tell(new WorkerReady("w"), worker.Ref);
        worker.ExpectMsg<AssignBatches>(s_run);

        coordinator.Tell(new NodeInterrupted(worker.Ref), worker.Ref);
        Sys.Stop(worker.Ref);

        var e = await Assert.ThrowsAsync<TrainingInterruptedException>(() => done.Task.WaitAsync(s_run));
        Assert.StartsWith("interrupted: the last worker, w, was stopped by a signal", e.Message);
    }
}
