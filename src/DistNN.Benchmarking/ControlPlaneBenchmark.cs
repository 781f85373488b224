using System.Diagnostics;
using Akka.Actor;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;

namespace DistNN.Benchmarking;

/// <summary>
/// The coordinator side of the control plane, timed: N workers in another process each finish a batch every interval
/// (all N at once, as the workers of a sync round finish together) and report it as a remote worker does, held for
/// company (<see cref="HeldReports"/>: up to 100 ms, at most 16 in one <see cref="BatchesDone"/>),
/// over Akka.Remote to an actor in this
/// process (from one process, or each worker from a process of its own: a connection each, as the real run's worker
/// nodes, so that every report is a read and a wake-up of its own), on the coordinator's dispatcher (<see cref="DistNNDispatchers.Compute"/>). The process's CPU while they arrive, less its CPU per second before they started (its idle background), per
/// batch: what taking in a worker's report costs the coordinator's node (the socket, Akka.Remote's decoding and dispatch,
/// the threads woken for it) at the run's pace.
/// </summary>
public sealed record ControlPlaneResult(
    int Workers, double IntervalMs, int Batches, double Seconds, double CpuSeconds, double IdleCores, double UsPerBatch, double UsPerBatchGross,
    int Processes, int Messages);

public static class ControlPlaneBenchmark
{
    /// <summary>The line the workers' process prints once it has sent its first reports.</summary>
    public const string ReadyPrefix = "control-plane-workers ";

    private sealed class Counter : ReceiveActor
    {
        public Counter(int[] count, System.Collections.Concurrent.ConcurrentDictionary<Address, bool> from)
        {
            Receive<BatchDone>(_ => Counted(1));
            Receive<BatchesDone>(done => Counted(done.Batches.Count));
            void Counted(int batches)
            {
                from.TryAdd(Sender.Path.Address, true);
                Interlocked.Add(ref count[0], batches);
                Interlocked.Increment(ref count[1]);
            }
        }
    }

    private sealed class Idle : ReceiveActor
    {
        public Idle() => ReceiveAny(_ => { });
    }

    /// <summary>
    /// Runs the coordinator's side: measures this process's idle CPU for 2 s, starts the workers in
    /// <paramref name="processes"/> processes (1, or one per worker) with <paramref name="startWorkers"/> (given the
    /// counting actor's path and the process's share of the workers; it returns the process, which stops when its standard
    /// input closes), waits until every process reports and a second of warm-up, then counts reports and CPU for
    /// <paramref name="seconds"/>.
    /// </summary>
    public static async Task<ControlPlaneResult> RunAsync(int workers, double intervalMs, double seconds, int processes, Func<string, int, Process> startWorkers)
    {
        using var system = ActorSystem.Create("coordinator", PushPullBenchmark.NodeSetup(dataPlane: false));
        var count = new int[2]; // batches reported, messages
        var from = new System.Collections.Concurrent.ConcurrentDictionary<Address, bool>();
        // On the real coordinator's dispatcher (its threads' waking and waiting are part of what a report costs).
        var counter = system.ActorOf(Props.Create(() => new Counter(count, from)).WithDispatcher(DistNNDispatchers.Compute), "coordinator");
        string path = counter.Path.ToStringWithAddress(((ExtendedActorSystem)system).Provider.DefaultAddress);
        var self = Process.GetCurrentProcess();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var (idle, idleSeconds) = await ProcessCpu.OverAsync(TimeSpan.FromSeconds(2), self);
        processes = Math.Clamp(processes, 1, workers);
        var children = Enumerable.Range(0, processes).Select(p => startWorkers(path, workers / processes + (p < workers % processes ? 1 : 0))).ToList();
        try
        {
            var patience = Stopwatch.StartNew();
            while (from.Count < processes)
            {
                if (patience.Elapsed > TimeSpan.FromSeconds(60) || children.Any(c => c.HasExited))
                {
                    throw new InvalidOperationException($"{processes - from.Count} of the workers' {processes} process(es) sent no report within 60 s");
                }
                await Task.Delay(50);
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
            int before = Volatile.Read(ref count[0]), messagesBefore = Volatile.Read(ref count[1]);
            var (cpu, elapsed) = await ProcessCpu.OverAsync(TimeSpan.FromSeconds(seconds), self);
            int batches = Volatile.Read(ref count[0]) - before, messages = Volatile.Read(ref count[1]) - messagesBefore;
            double idleCores = idle[0] / idleSeconds;
            return new ControlPlaneResult(workers, intervalMs, batches, Math.Round(elapsed, 3), Math.Round(cpu[0], 4), Math.Round(idleCores, 4),
                Math.Round(Math.Max(0, cpu[0] - idleCores * elapsed) / Math.Max(1, batches) * 1e6, 1), Math.Round(cpu[0] / Math.Max(1, batches) * 1e6, 1),
                from.Count, messages);
        }
        finally
        {
            foreach (var child in children)
            {
                child.StandardInput.Close();
            }
            foreach (var child in children)
            {
                if (!child.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    child.Kill();
                }
                child.Dispose();
            }
            await system.Terminate();
        }
    }

    /// <summary>
    /// The workers' side: <paramref name="workers"/> actors each finishing a batch every <paramref name="intervalMs"/> and
    /// reporting to <paramref name="coordinatorPath"/> as a remote worker with more batches queued does (a
    /// <see cref="BatchDone"/> held for company as a worker holds it, <see cref="HeldReports"/>), until <paramref name="stop"/> completes;
    /// <paramref name="ready"/> is told once the first reports left.
    /// </summary>
    public static async Task ServeWorkersAsync(string coordinatorPath, int workers, double intervalMs, Action<string> ready, Task stop)
    {
        using var system = ActorSystem.Create("workers", PushPullBenchmark.NodeSetup(dataPlane: false));
        var coordinator = ((ExtendedActorSystem)system).Provider.ResolveActorRef(coordinatorPath);
        var senders = Enumerable.Range(0, workers).Select(w => system.ActorOf(Props.Create(() => new Idle()), $"worker-{w}")).ToArray();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(intervalMs));
        int batch = 0;
        bool told = false, sent = false;
        var held = Enumerable.Range(0, workers).Select(_ => new HeldReports(HeldReports.Window)).ToArray();
        while (!stop.IsCompleted)
        {
            for (int w = 0; w < workers; w++)
            {
                if (held[w].Hold(new BatchDone($"worker-{w}", 1, batch++, 32, 0.5f, 16, 0.013, 0.002, 3_400_000L * batch, 3_400_000L * batch)))
                {
                    coordinator.Tell(held[w].Take()!, senders[w]);
                    sent = true;
                }
            }
            if (!told && sent)
            {
                ready(ReadyPrefix + workers);
                told = true;
            }
            await Task.WhenAny(timer.WaitForNextTickAsync().AsTask(), stop);
        }
        await system.Terminate();
    }
}
