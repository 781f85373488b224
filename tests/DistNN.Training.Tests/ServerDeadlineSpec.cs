using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>Every request to a parameter server has a deadline (here 1 s): a server that stalls is reported to the coordinator as unreachable, naming the request.</summary>
public class ServerDeadlineSpec : TestKit
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(1);

    public ServerDeadlineSpec() : base(ActorTestConfig.With(ConfigurationFactory.ParseString("distnn.failures.server-request-timeout = 1s")))
    {
    }

    [Fact]
    public void A_worker_whose_server_never_answers_its_pull_fails_the_run_within_the_deadline()
    {
        var stalled = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props("w", TestActor, TestData.BarsSource(64, 10), 1));
        ExpectMsg<RegisterWorker>();

        worker.Tell(new InitWorker(TestData.Plan().ToMessage(), [stalled.Ref], [""]));

        stalled.ExpectMsg<PullWeights>();
        var failed = ExpectMsg<ServerUnreachable>(s_deadline * 10);
        Assert.Equal("worker w: 1 of 1 parameter server(s) did not answer its pull within 1 s "
            + "(a stalled or unreachable server; distnn.failures.server-request-timeout)", failed.Reason);
    }

    [Fact]
    public void A_worker_whose_server_stalls_on_a_push_fails_the_run_naming_the_batch()
    {
        var plan = TestData.Plan();
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(plan.ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>();
        server.Tell(new LiveWorkers(["w"]));
        // Answers pulls, swallows pushes: a server that stalls once training starts.
        var stalling = Sys.ActorOf(Props.Create(() => new StallOnPush(server)));
        var worker = Sys.ActorOf(Worker.Props("w", TestActor, TestData.BarsSource(64, 10), 1));
        ExpectMsg<RegisterWorker>();
        worker.Tell(new InitWorker(plan.ToMessage(), [stalling], [""]));
        ExpectMsg<WorkerReady>();

        worker.Tell(new AssignBatches(1, 2, [0, 1]));

        var failed = ExpectMsg<ServerUnreachable>(s_deadline * 10);
        Assert.StartsWith("worker w: 1 of 1 parameter server(s) did not answer its push of epoch 1, batch 0 within 1 s", failed.Reason);
    }

    [Fact]
    public void An_evaluator_whose_server_never_answers_fails_the_run_within_the_deadline()
    {
        var stalled = CreateTestProbe();
        var evaluator = Sys.ActorOf(EvaluatorActor.Props(TestData.BarsSource(64, 10), 1));
        evaluator.Tell(new InitEvaluator(TestData.Plan().ToMessage(), [stalled.Ref], [""]));
        ExpectMsg<EvaluatorReady>();

        evaluator.Tell(new Evaluate(3));

        stalled.ExpectMsg<PullWeights>();
        var failed = ExpectMsg<ServerUnreachable>(s_deadline * 10);
        Assert.StartsWith("evaluator: 1 of 1 parameter server(s) did not answer its pull for the evaluation of epoch 3 within 1 s", failed.Reason);
    }

    private sealed class StallOnPush : ReceiveActor
    {
        public StallOnPush(IActorRef server)
        {
            Receive<PushGradients>(_ => { });
            ReceiveAny(m => server.Forward(m));
        }
    }
}
