using System.Diagnostics;

namespace DistNN.Tensors.Kernels;

/// <summary>A job cut into parts that any thread may run, in any order, each exactly once.</summary>
internal interface IPartedJob
{
    void RunPart(int part);
}

/// <summary>
/// A few persistent worker threads for kernels: a caller publishes a job, runs parts itself, and the workers
/// (spinning briefly after their last job, then asleep) claim the rest. Parts are claimed, never assigned,
/// so a caller whose workers are late or busy with another caller simply runs every part itself:
/// no deadlock and never more threads than the caller asked for.
/// </summary>
internal sealed class ComputePool
{
    public static readonly ComputePool Shared = new(Environment.ProcessorCount - 1);

    private static readonly long s_spinTicks = Stopwatch.Frequency / 5000; // 200 µs of spinning before sleeping

    private readonly Worker[] _workers;
    private int _busy;

    // One job at a time: _state packs (generation << 32) | next unclaimed part, so a late worker cannot claim
    // a part of a newer job with an older job's reference (its compare-exchange fails on the generation). A job is
    // published closed (part Closed) under its new generation before its fields are written, and opened after: a
    // worker that read the previous generation's state, all its parts claimed, and then the new job's fields, must
    // not claim the new job's part under the old generation (it would run a part twice and count it twice, and the
    // caller could return while a part still ran on its buffers).
    private long _state;
    private IPartedJob? _job;
    private int _parts;
    private int _done;

    // Workers that joined the current job; beyond _maxHelpers a spinning worker stays out, so a caller
    // never gets more threads than it asked for even when more workers happen to be awake.
    private int _helpers;
    private int _maxHelpers;

    /// <summary>
    /// A test's probe (null: none), called where a preempted thread widens the race between publishing a job and a late
    /// worker: by the caller between writing the job's fields and opening it, by a thread between reading the state and
    /// reading the job.
    /// </summary>
    internal Action? Pause { get; init; }

    internal ComputePool(int workers)
    {
        _workers = new Worker[Math.Max(0, workers)];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Worker(this, i);
        }
    }

    /// <summary>
    /// Runs parts 0..parts-1 of the job on at most <paramref name="threads"/> threads, the caller included.
    /// More parts than threads let the threads that run balance the load when another process holds a core.
    /// </summary>
    public void Run(IPartedJob job, int parts, int threads)
    {
        if (parts <= 1 || threads <= 1 || _workers.Length == 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int p = 0; p < parts; p++)
            {
                job.RunPart(p);
            }
            return;
        }
        try
        {
            long generation = (Volatile.Read(ref _state) >> 32) + 1;
            Volatile.Write(ref _state, (generation << 32) | Closed);
            _job = job;
            _parts = parts;
            _maxHelpers = Math.Min(threads, parts) - 1;
            Volatile.Write(ref _helpers, 0);
            Volatile.Write(ref _done, 0);
            Pause?.Invoke();
            Volatile.Write(ref _state, generation << 32);
            int wake = Math.Min(_maxHelpers, _workers.Length);
            for (int i = 0; i < wake; i++)
            {
                _workers[i].Wake();
            }
            RunClaimedParts(generation);
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < parts)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
        finally
        {
            _job = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>The part counter of a job being published: nothing to claim yet.</summary>
    private const long Closed = int.MaxValue;

    private long Generation => Volatile.Read(ref _state) >> 32;

    private void Help(long generation)
    {
        // A late worker may count against a newer job: that only costs that job a helper, never correctness.
        if (Interlocked.Increment(ref _helpers) <= Volatile.Read(ref _maxHelpers))
        {
            RunClaimedParts(generation);
        }
    }

    private void RunClaimedParts(long generation)
    {
        while (true)
        {
            long state = Volatile.Read(ref _state);
            if (state >> 32 != generation)
            {
                return;
            }
            int part = (int)state;
            Pause?.Invoke();
            if (part == Closed)
            {
                Thread.SpinWait(20); // the job's fields are being written: it opens in a moment
                continue;
            }
            IPartedJob? job = _job;
            if (job is null || part >= _parts)
            {
                return;
            }
            if (Interlocked.CompareExchange(ref _state, state + 1, state) != state)
            {
                continue;
            }
            try
            {
                job.RunPart(part);
            }
            finally
            {
                Interlocked.Increment(ref _done);
            }
        }
    }

    private sealed class Worker
    {
        private readonly ComputePool _pool;
        private readonly SemaphoreSlim _signal = new(0);
        private int _sleeping;

        public Worker(ComputePool pool, int index)
        {
            _pool = pool;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"DistNN compute {index + 1}" };
            thread.Start();
        }

        public void Wake()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1)
            {
                _signal.Release();
            }
        }

        private void Loop()
        {
            long seen = _pool.Generation;
            while (true)
            {
                long spinUntil = Stopwatch.GetTimestamp() + s_spinTicks;
                var spin = new SpinWait();
                while (_pool.Generation == seen && Stopwatch.GetTimestamp() < spinUntil)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }
                if (_pool.Generation == seen)
                {
                    Interlocked.Exchange(ref _sleeping, 1);
                    // A job published between the check and the flag: take the flag back unless Wake already did.
                    bool cancelled = _pool.Generation != seen && Interlocked.Exchange(ref _sleeping, 0) == 1;
                    if (!cancelled)
                    {
                        _signal.Wait();
                    }
                }
                seen = _pool.Generation;
                _pool.Help(seen);
            }
        }
    }
}
