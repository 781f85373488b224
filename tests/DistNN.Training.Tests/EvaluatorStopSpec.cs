using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Data;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// The evaluator of a run being stopped or failed (<see cref="StopWork"/>): it drops a pull under way, abandons a scoring
/// under way (its child <c>stop</c> hears the stop while it scores), says so in one line, and reports nothing more —
/// neither an epoch's result nor a final model from after the stop. The coordinator tells it beside the workers and servers.
/// </summary>
public class EvaluatorStopSpec : TestKit
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_told = TimeSpan.FromSeconds(10);

    public EvaluatorStopSpec() : base(ActorTestConfig.Setup)
    {
    }

    /// <summary>
    /// Between the evaluator and its server: the evaluator's pulls are held (<paramref name="held"/> hears of each, and of
    /// every <see cref="StopWork"/> that passes) until <see cref="Release"/>, which sends them on as from the evaluator.
    /// Everything else, the workers' pulls too, is forwarded.
    /// </summary>
    private sealed class HeldEvaluatorPulls : ReceiveActor
    {
        public sealed record Release;

        public HeldEvaluatorPulls(IActorRef server, IActorRef held)
        {
            var pulls = new List<(PullWeights Pull, IActorRef From)>();
            Receive<PullWeights>(p => Sender.Path.Name == "evaluator", p =>
            {
                pulls.Add((p, Sender));
                held.Tell(p);
            });
            Receive<StopWork>(s =>
            {
                held.Tell(s);
                server.Forward(s);
            });
            Receive<Release>(_ =>
            {
                pulls.ForEach(p => server.Tell(p.Pull, p.From));
                pulls.Clear();
            });
            ReceiveAny(m => server.Forward(m));
        }
    }

    /// <summary>A data source whose test set, once asked for, is handed out only after <see cref="Release"/>: a scoring that takes that long.</summary>
    private sealed class HeldTestSet(IDataSource inner) : IDataSource
    {
        public TaskCompletionSource Scoring { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim Release { get; } = new();

        public Dataset Train => inner.Train;

        public Dataset Test
        {
            get
            {
                Scoring.TrySetResult();
                Release.Wait(s_run);
                return inner.Test;
            }
        }
    }

    private IActorRef StartServer()
    {
        var server = Sys.ActorOf(ParameterServer.Props(null));
        server.Tell(new InitServer(TestData.Plan().ToMessage(), 0, 1), TestActor);
        ExpectMsg<ServerReady>(s_told);
        return server;
    }

    /// <summary>An evaluator over <paramref name="data"/> reaching <paramref name="server"/>; <paramref name="models"/> counts the final models it hands out.</summary>
    private IActorRef StartEvaluator(IDataSource data, IActorRef server, StrongBox<int> models)
    {
        var evaluator = Sys.ActorOf(EvaluatorActor.Props(data, 1, _ => Interlocked.Increment(ref models.Value)), "evaluator");
        evaluator.Tell(new InitEvaluator(TestData.Plan().ToMessage(), [server], [""]));
        ExpectMsg<EvaluatorReady>(s_told);
        return evaluator;
    }

    /// <summary>As the coordinator tells it: the evaluator's stop listener (heard while it scores), then the evaluator.</summary>
    private void Stop(IActorRef evaluator, string reason)
    {
        Sys.ActorSelection(evaluator.Path / EvaluatorActor.StopListenerName).Tell(new StopWork(reason));
        evaluator.Tell(new StopWork(reason));
    }

    private Akka.TestKit.TestProbe Warnings()
    {
        var warnings = CreateTestProbe();
        Sys.EventStream.Subscribe(warnings.Ref, typeof(Akka.Event.Warning));
        return warnings;
    }

    private static string Line(Akka.TestKit.TestProbe warnings) =>
        warnings.FishForMessage<Akka.Event.Warning>(w => w.Message.ToString()!.StartsWith("evaluator: ", StringComparison.Ordinal), s_told).Message.ToString()!;

    [Fact]
    public void An_evaluator_told_to_stop_while_it_pulls_drops_the_evaluation_and_reports_nothing()
    {
        var held = CreateTestProbe();
        var gate = Sys.ActorOf(Props.Create(() => new HeldEvaluatorPulls(StartServer(), held.Ref)));
        var models = new StrongBox<int>();
        var evaluator = StartEvaluator(TestData.BarsSource(64, 10), gate, models);
        var warnings = Warnings();

        evaluator.Tell(new Evaluate(1));
        held.ExpectMsg<PullWeights>(s_told);
        Stop(evaluator, "training failed: a test fails the run");
        // The server's reply reaches the evaluator after the stop.
        gate.Tell(new HeldEvaluatorPulls.Release());

        Assert.Equal("evaluator: the run is stopping (training failed: a test fails the run): the evaluation of epoch 1 is dropped while 1 of 1 "
            + "parameter server(s) had not answered its pull; it reports nothing more", Line(warnings));
        ExpectNoMsg(s_quiet); // no EvaluationResult
        Assert.Equal(0, models.Value);
        // Nothing is evaluated after the stop.
        evaluator.Tell(new Evaluate(2));
        held.ExpectNoMsg(s_quiet);
        ExpectNoMsg(s_quiet);
    }

    [Fact]
    public async Task An_evaluator_told_to_stop_while_it_scores_abandons_the_scoring_and_reports_nothing()
    {
        var data = new HeldTestSet(TestData.BarsSource(64, 10));
        var models = new StrongBox<int>();
        var evaluator = StartEvaluator(data, StartServer(), models);
        var warnings = Warnings();

        var listener = await Sys.ActorSelection(evaluator.Path / EvaluatorActor.StopListenerName).ResolveOne(s_told);

        evaluator.Tell(new Evaluate(1));
        await data.Scoring.Task.WaitAsync(s_run);
        // The evaluator's thread is busy scoring: only its listener hears the stop now. Its answer to Identify, after the
        // stop, says it has heard it; then the scoring goes on (a scoring that ends first is not stopped: the stop came late).
        listener.Tell(new StopWork("a signal stopped the run"), TestActor);
        listener.Tell(new Identify(null), TestActor);
        ExpectMsg<ActorIdentity>(s_told);
        evaluator.Tell(new StopWork("a signal stopped the run"));
        data.Release.Set();

        Assert.Matches("^evaluator: the run is stopping \\(a signal stopped the run\\): the evaluation of epoch 1 is abandoned [0-9]+ ms into scoring "
            + "the test set; it reports nothing more$", Line(warnings));
        ExpectNoMsg(s_quiet); // no EvaluationResult
        Assert.Equal(0, models.Value);
        warnings.ExpectNoMsg(s_quiet); // one line: the evaluator's own copy of the stop says nothing more
    }

    [Fact]
    public void An_evaluator_told_to_stop_while_idle_says_nothing_and_evaluates_nothing_more()
    {
        var held = CreateTestProbe();
        var gate = Sys.ActorOf(Props.Create(() => new HeldEvaluatorPulls(StartServer(), held.Ref)));
        var evaluator = StartEvaluator(TestData.BarsSource(64, 10), gate, new StrongBox<int>());
        var warnings = Warnings();

        Stop(evaluator, "training failed: a test fails the run");
        evaluator.Tell(new Evaluate(1));

        held.ExpectNoMsg(s_quiet);
        ExpectNoMsg(s_quiet);
        warnings.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    /// <summary>How a spec below ends the run while the evaluation of epoch 1 waits for its pull.</summary>
    public enum EndedBy
    {
        /// <summary>A signal (<see cref="Coordinator.StopRun"/>): the run winds down, as interrupted, until the process ends.</summary>
        Signal,

        /// <summary>A worker's or server's <see cref="TrainingFailed"/>.</summary>
        Failure,
    }

    [Theory]
    [InlineData(EndedBy.Signal)]
    [InlineData(EndedBy.Failure)]
    public async Task A_run_stopped_or_failed_while_an_epoch_is_evaluated_reports_no_line_and_keeps_no_model_of_that_epoch(EndedBy how)
    {
        // One real worker and server; the evaluator's pull of epoch 1's end is held until the run has been stopped.
        var plan = TestData.Plan(workers: 1, servers: 1, batch: 8, epochs: 2);
        var data = TestData.BarsSource(64, 10);
        var events = new ConcurrentQueue<TrainingEvent>();
        var models = new StrongBox<int>();
        var done = new TaskCompletionSource<TrainingSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, data, events.Enqueue, done, _ => Interlocked.Increment(ref models.Value)));
        var held = CreateTestProbe();
        var server = Sys.ActorOf(ParameterServer.Props(null));
        var gate = Sys.ActorOf(Props.Create(() => new HeldEvaluatorPulls(server, held.Ref)));
        coordinator.Tell(new RegisterServer(gate), gate);
        Sys.ActorOf(Worker.Props("w0", coordinator, data, 1));
        Assert.Equal(1, held.ExpectMsg<PullWeights>(s_run).RequestId);
        var warnings = Warnings();

        string reason;
        if (how == EndedBy.Signal)
        {
            coordinator.Tell(new Coordinator.StopRun("a signal stopped the run"));
            reason = "a signal stopped the run";
        }
        else
        {
            coordinator.Tell(new TrainingFailed("worker w0: a test fails the run"));
            reason = "training failed: worker w0: a test fails the run";
        }
        // The coordinator tells the evaluator before the servers: once the server's stop passes, the evaluator's is in its mailbox.
        Assert.Equal(reason, held.ExpectMsg<StopWork>(s_told).Reason);
        gate.Tell(new HeldEvaluatorPulls.Release());

        Assert.Equal($"evaluator: the run is stopping ({reason}): the evaluation of epoch 1 is dropped while 1 of 1 parameter server(s) had not "
            + "answered its pull; it reports nothing more", Line(warnings));
        await Task.Delay(s_quiet);
        // Epoch 1 was trained, but its line was not printed before the stop: the summary says what a finished epoch is, none.
        Assert.Empty(events.OfType<EpochCompleted>());
        Assert.Equal(0, models.Value);
        if (how == EndedBy.Failure)
        {
            await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_run));
        }
        else
        {
            Assert.False(done.Task.IsCompleted, "a signal's run ends when its host cancels it");
        }
    }

    [Fact]
    public async Task A_coordinator_that_crashes_while_its_evaluator_scores_tells_the_stop_at_once_and_the_scoring_is_abandoned()
    {
        // One real worker and server; the scoring of epoch 1 is held. An elastic plan takes a late worker, whose arrival
        // the run's listener reports: the listener throws there, as a bug in it would, inside the coordinator's handler.
        var plan = TestData.Plan(workers: 1, servers: 1, batch: 8, epochs: 2) with { Elastic = true };
        var data = new HeldTestSet(TestData.BarsSource(64, 10));
        var models = new StrongBox<int>();
        bool buggy = false;
        var done = new TaskCompletionSource<TrainingSummary>(TaskCreationOptions.RunContinuationsAsynchronously);
        var coordinator = Sys.ActorOf(Coordinator.Props(plan, data, _ =>
        {
            if (Volatile.Read(ref buggy))
            {
                throw new InvalidOperationException("a bug in the run's listener");
            }
        }, done, _ => Interlocked.Increment(ref models.Value)));
        var held = CreateTestProbe();
        var server = Sys.ActorOf(ParameterServer.Props(null));
        var gate = Sys.ActorOf(Props.Create(() => new HeldEvaluatorPulls(server, held.Ref)));
        coordinator.Tell(new RegisterServer(gate), gate);
        Sys.ActorOf(Worker.Props("w0", coordinator, data, 1));
        held.ExpectMsg<PullWeights>(s_run);
        gate.Tell(new HeldEvaluatorPulls.Release());
        await data.Scoring.Task.WaitAsync(s_run);
        var warnings = Warnings();

        Volatile.Write(ref buggy, true);
        var late = CreateTestProbe();
        coordinator.Tell(new RegisterWorker(late.Ref, "w1", 1), late.Ref);

        // The server hears the stop while the evaluator still scores (the coordinator's end waits for its child's), with
        // the line the run fails with.
        const string crash = "the coordinator stopped on RegisterWorker: InvalidOperationException: a bug in the run's listener";
        Assert.Equal($"training failed: {crash}", held.ExpectMsg<StopWork>(s_told).Reason);
        data.Release.Set();
        Assert.Matches($"^evaluator: the run is stopping \\(training failed: {crash}\\): the evaluation of epoch 1 is abandoned [0-9]+ ms "
            + "into scoring the test set; it reports nothing more$", Line(warnings));
        var failed = await Assert.ThrowsAsync<TrainingFailedException>(() => done.Task.WaitAsync(s_run));
        Assert.Equal(crash, failed.Message);
        Assert.Equal(0, models.Value);
    }
}
