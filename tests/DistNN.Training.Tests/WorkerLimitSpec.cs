using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// The plan's worker count is a limit unless it is elastic: a worker registering beyond it is refused with one log line
/// and never initialised, and the summary counts the workers that really trained.
/// </summary>
public class WorkerLimitSpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(60);

    public WorkerLimitSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public async Task A_third_worker_is_refused_with_one_log_line_when_the_plan_says_two()
    {
        var plan = TestData.Plan(workers: 2, epochs: 1);
        var data = TestData.BarsSource(320, 64);
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, data, null, new TaskCompletionSource<TrainingSummary>()));
        var (w0, w1, extra) = (CreateTestProbe(), CreateTestProbe(), CreateTestProbe());
        coordinator.Tell(new RegisterWorker(w0.Ref, "w0"), w0.Ref);
        coordinator.Tell(new RegisterWorker(w1.Ref, "w1"), w1.Ref);

        var log = CreateTestProbe();
        Sys.EventStream.Subscribe(log.Ref, typeof(Akka.Event.Warning));

        coordinator.Tell(new RegisterWorker(extra.Ref, "intruder"), extra.Ref);

        var refusal = await log.FishForMessageAsync<Akka.Event.Warning>(w => w.Message.ToString()!.Contains("worker intruder"), s_run);
        Assert.Contains("refused: the plan's 2 workers are registered", refusal.Message.ToString());
        Sys.ActorOf(ParameterServer.Props(coordinator));

        w0.ExpectMsg<InitWorker>(s_run);
        w1.ExpectMsg<InitWorker>(s_run);
        extra.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void An_elastic_plan_takes_a_worker_beyond_its_count()
    {
        var plan = TestData.Plan(workers: 1, epochs: 1) with { Elastic = true };
        var data = TestData.BarsSource(320, 64);
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, data, null, new TaskCompletionSource<TrainingSummary>()));
        Sys.ActorOf(ParameterServer.Props(coordinator));
        Sys.ActorOf(Worker.Props("worker-0", coordinator, data, 1));
        var extra = CreateTestProbe();

        coordinator.Tell(new RegisterWorker(extra.Ref, "worker-1"), extra.Ref);

        extra.ExpectMsg<InitWorker>(s_run);
    }
}
