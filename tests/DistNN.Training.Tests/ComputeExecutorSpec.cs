using Akka.Actor;
using Akka.Dispatch;
using Akka.TestKit.Xunit2;
using DistNN.Training.Actors;

namespace DistNN.Training.Tests;

public class ComputeExecutorSpec : TestKit
{
    public ComputeExecutorSpec(Xunit.Abstractions.ITestOutputHelper output)
        : base(ActorTestConfig.With(DistNNDispatchers.WithThreads(3)), null, output)
    {
    }

    private sealed class ThreadName : ReceiveActor
    {
        public ThreadName() => ReceiveAny(_ => Sender.Tell(Thread.CurrentThread.Name ?? ""));
    }

    private sealed class Work(Action action) : IRunnable
    {
        public void Run() => action();

        public void Execute() => action();
    }

    [Fact]
    public void Compute_actors_run_on_the_pools_threads_named_as_compute_for_the_cpu_accounting()
    {
        var dispatcher = ((ExtendedActorSystem)Sys).Dispatchers.Lookup(DistNNDispatchers.Compute);
        var actor = Sys.ActorOf(Props.Create(() => new ThreadName()).WithDispatcher(DistNNDispatchers.Compute));

        actor.Tell("which thread?");

        Assert.Matches("^distnn\\.compute-[1-3]$", ExpectMsg<string>());
        Assert.IsType<Dispatcher>(dispatcher);
    }

    [Fact]
    public void Work_runs_in_the_order_it_came_on_one_thread_and_spreads_over_idle_threads_when_it_blocks()
    {
        var executor = new ComputeExecutor("spec", 2);
        try
        {
            // The events are not disposed: an executor thread may still be inside Signal or Wait when the test's own wait
            // returns, and a disposed event there throws on that thread, which ends the test host.
            var order = new List<int>();
            var done = new CountdownEvent(100);
            var single = new ComputeExecutor("single", 1);
            for (int i = 0; i < 100; i++)
            {
                int n = i;
                single.Execute(new Work(() =>
                {
                    order.Add(n);
                    done.Signal();
                }));
            }
            Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
            Assert.Equal(Enumerable.Range(0, 100), order);
            single.Shutdown();

            // One item blocks its thread: the other thread still takes the next item.
            var release = new ManualResetEventSlim();
            var second = new ManualResetEventSlim();
            var first = new ManualResetEventSlim();
            executor.Execute(new Work(() =>
            {
                release.Wait(TimeSpan.FromSeconds(10));
                first.Set();
            }));
            executor.Execute(new Work(second.Set));
            Assert.True(second.Wait(TimeSpan.FromSeconds(10)));
            Assert.False(first.IsSet, "the blocked item ended before it was released");
            release.Set();
            Assert.True(first.Wait(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            executor.Shutdown();
        }
    }

    [Fact]
    public void A_shut_down_executor_refuses_work_and_a_pool_needs_a_thread()
    {
        var executor = new ComputeExecutor("spec", 1);
        executor.Shutdown();

        Assert.Throws<RejectedExecutionException>(() => executor.Execute(new Work(() => { })));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComputeExecutor("none", 0));
    }
}
