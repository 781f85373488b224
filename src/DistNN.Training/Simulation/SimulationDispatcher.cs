using System.Collections.Concurrent;
using Akka.Configuration;
using Akka.Dispatch;

namespace DistNN.Training.Simulation;

/// <summary>
/// Makes the compute dispatcher of a simulated cluster a <see cref="SimulationDispatcher"/> (set as the dispatcher's
/// <c>type</c> in the simulation's configuration).
/// </summary>
public sealed class SimulationDispatcherConfigurator : MessageDispatcherConfigurator
{
    private readonly SimulationDispatcher _dispatcher;

    public SimulationDispatcherConfigurator(Config config, IDispatcherPrerequisites prerequisites)
        : base(config, prerequisites)
    {
        _dispatcher = new SimulationDispatcher(this);
    }

    public override MessageDispatcher Dispatcher() => _dispatcher;
}

/// <summary>
/// Queues every mailbox run of the coordinator, servers and workers for the simulation's one thread, which runs them in
/// order (<see cref="RunPending"/>): a simulation is deterministic, and "nothing left to run" is known exactly — the
/// moment its virtual clock may move to the next event. Released at the end, it hands runs to the thread pool so the
/// ActorSystem can stop its actors.
/// </summary>
internal sealed class SimulationDispatcher(MessageDispatcherConfigurator configurator) : MessageDispatcher(configurator)
{
    private readonly ConcurrentQueue<IRunnable> _queue = new();
    private volatile bool _released;

    /// <summary>Runs the queued mailboxes, and what they queue meanwhile, until none is left; returns how many ran.</summary>
    public int RunPending()
    {
        int ran = 0;
        while (_queue.TryDequeue(out var run))
        {
            run.Run();
            ran++;
        }
        return ran;
    }

    /// <summary>Waits (polling every millisecond) until a mailbox is queued from another thread; false after <paramref name="timeout"/>.</summary>
    public bool WaitForWork(TimeSpan timeout)
    {
        long end = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (_queue.IsEmpty)
        {
            if (Environment.TickCount64 > end)
            {
                return false;
            }
            Thread.Sleep(1);
        }
        return true;
    }

    /// <summary>From now on mailboxes run on the thread pool (the simulation is over).</summary>
    public void Release()
    {
        _released = true;
        HandOver();
    }

    protected override void ExecuteTask(IRunnable run)
    {
        _queue.Enqueue(run);
        if (_released)
        {
            HandOver();
        }
    }

    protected override void Shutdown() => Release();

    private void HandOver()
    {
        while (_queue.TryDequeue(out var run))
        {
            ThreadPool.QueueUserWorkItem(r => r.Run(), run, preferLocal: false);
        }
    }
}
