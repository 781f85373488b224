using Akka.Configuration;
using Akka.Dispatch;

namespace DistNN.Training.Actors;

/// <summary>
/// The compute dispatcher's threads (reference.conf, <c>distnn.compute-dispatcher</c>): a fixed number of dedicated
/// threads taking mailbox runs from one queue in order. An idle thread sleeps at once until work comes. Akka's
/// fork-join pool instead spins first, calling <c>sched_yield</c> up to 100 times per idle spell on 2 cores: thousands of
/// system calls a second on every node, CPU that the workers' computation lacks on a shared machine (docs/performance.md).
/// </summary>
public sealed class ComputeExecutor : ExecutorService
{
    private readonly Queue<IRunnable> _queue = new();
    private readonly object _gate = new();
    private readonly Thread[] _threads;
    private int _idle;
    private bool _shutdown;

    public ComputeExecutor(string id, int threads)
        : base(id)
    {
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "the compute pool needs at least 1 thread");
        }
        _threads = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            // Named like the fork-join pool's threads were: scripts/lib/node-cpu.py counts "distnn.compute…" threads as compute.
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"distnn.compute-{i + 1}" };
            _threads[i].Start();
        }
    }

    public int ThreadCount => _threads.Length;

    public override void Execute(IRunnable run)
    {
        lock (_gate)
        {
            if (_shutdown)
            {
                throw new RejectedExecutionException($"compute executor {Id} is shut down");
            }
            _queue.Enqueue(run);
            if (_idle > 0)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    public override void Shutdown()
    {
        lock (_gate)
        {
            _shutdown = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Loop()
    {
        while (true)
        {
            IRunnable run;
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    if (_shutdown)
                    {
                        return;
                    }
                    _idle++;
                    Monitor.Wait(_gate);
                    _idle--;
                }
                run = _queue.Dequeue();
            }
            run.Run();
        }
    }
}
