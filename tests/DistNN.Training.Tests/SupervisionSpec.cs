using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Data;
using DistNN.Training.Actors;
using DistNN.Training.Actors.Supervision;
using DistNN.Training.Hosting;

namespace DistNN.Training.Tests;

/// <summary>
/// An actor of a one-process run that throws is stopped, not restarted empty, and the run fails naming it and the
/// exception's first line instead of hanging.
/// </summary>
public class SupervisionSpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromSeconds(60);

    public SupervisionSpec() : base(ActorTestConfig.Setup)
    {
    }

    /// <summary>Images of 14×14 instead of the plan's 28×28: the model's first dense layer refuses them.</summary>
    private static Dataset Small(int count) =>
        new("small", new float[count * 196], [14, 14, 1], Enumerable.Range(0, count).Select(i => i % 10).ToArray(), 10);

    [Fact]
    public async Task A_worker_that_throws_on_a_batch_of_the_wrong_shape_fails_the_run_naming_the_worker_and_the_exception()
    {
        var run = new TrainingRun(TestData.Plan(workers: 2), new InMemoryDataSource(Small(128), TestData.Bars(32, 2)));

        TrainingHosting.StartActors(Sys, run, "shape-");

        var error = await Assert.ThrowsAsync<TrainingFailedException>(() => run.Completion.Task.WaitAsync(s_run));
        Assert.Matches(@"^shape-worker-\d \(akka://[^)]*/user/shape-worker-\d\) stopped: \w+Exception: ", error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public async Task An_evaluator_that_throws_fails_the_run_naming_it()
    {
        var run = new TrainingRun(TestData.Plan(), new InMemoryDataSource(TestData.Bars(128, 1), Small(32)));

        TrainingHosting.StartActors(Sys, run, "eval-");

        var error = await Assert.ThrowsAsync<TrainingFailedException>(() => run.Completion.Task.WaitAsync(s_run));
        Assert.StartsWith("evaluator (akka://", error.Message);
        Assert.Contains(") stopped: ", error.Message);
    }

    [Fact]
    public void A_top_level_actor_that_throws_is_stopped_once_and_reported_not_restarted()
    {
        var crashes = CreateTestProbe();
        Sys.EventStream.Subscribe(crashes, typeof(ActorCrashed));
        var starts = CreateTestProbe();
        var actor = Sys.ActorOf(Props.Create(() => new Throwing(starts.Ref)), "throwing");
        starts.ExpectMsg("started");
        Watch(actor);

        actor.Tell("boom\nsecond line");

        ExpectTerminated(actor);
        var crashed = crashes.ExpectMsg<ActorCrashed>();
        Assert.Equal(actor, crashed.Actor);
        Assert.Equal($"throwing ({actor.Path}) stopped: InvalidOperationException: boom", crashed.Reason);
        starts.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    private sealed class Throwing : ReceiveActor
    {
        public Throwing(IActorRef starts)
        {
            starts.Tell("started");
            Receive<string>(m => throw new InvalidOperationException(m));
        }
    }
}
