using DistNN.Data;

namespace DistNN.Training.Actors;

/// <summary>
/// What a worker runs for one batch before it pushes: the replica's forward and backward pass, or in the simulated
/// cluster a stand-in that writes gradients and charges the batch's compute time to a virtual clock. Once
/// <c>stop</c> is cancelled (the run is being stopped) it may throw <see cref="OperationCanceledException"/> at a point
/// where nothing of the batch has been pushed (<see cref="WorkerReplica.Compute"/>).
/// </summary>
internal interface IBatchCompute
{
    (float Loss, int Correct) Run(WorkerReplica replica, string worker, Dataset train, ReadOnlySpan<int> indices, long batchNumber, CancellationToken stop);
}

/// <summary>The real thing: forward, loss, backward, clipping and compression on the replica.</summary>
internal sealed class ReplicaCompute : IBatchCompute
{
    public static ReplicaCompute Instance { get; } = new();

    public (float Loss, int Correct) Run(WorkerReplica replica, string worker, Dataset train, ReadOnlySpan<int> indices, long batchNumber, CancellationToken stop)
    {
        ComputeTestHook.BeforeBatch(stop);
        return replica.Compute(train, indices, batchNumber, stop);
    }
}

/// <summary>
/// For the stop tests only: DISTNN_TEST_SLOW_BATCH_MS=N makes each batch of a real worker wait N ms before its forward
/// pass (a slow model's compute, in a test's time), and end that wait as the run is stopped, as a forward pass does at
/// its next layer. With DISTNN_TEST_HOLD_FILE=path too, a batch begun while that file exists waits until the run is
/// stopped, however long: a test that creates the file can signal knowing every worker is inside a batch, on a machine
/// however loaded (400 ms is not always longer than a signal's way to the workers). Such a hold also ends when a file
/// named as the hold file plus ".release" exists (checked every 50 ms): a test can keep every worker inside a batch, so
/// that none talks to a server, hurt a node, then let the run go on. In sync mode the file's creation can split a round
/// (one worker's batch begun before it, the other's after: the first pushes and waits for a round the held one never
/// completes); the tests release such a hold and hold the next round (tests/…/BatchHold.cs).
/// </summary>
internal static class ComputeTestHook
{
    private static readonly int s_milliseconds =
        int.TryParse(Environment.GetEnvironmentVariable("DISTNN_TEST_SLOW_BATCH_MS"), out int ms) && ms > 0 ? ms : 0;

    private static readonly string? s_holdFile = Environment.GetEnvironmentVariable("DISTNN_TEST_HOLD_FILE") is { Length: > 0 } f ? f : null;

    public static void BeforeBatch(CancellationToken stop)
    {
        if (s_milliseconds == 0)
        {
            return;
        }
        if (!stop.CanBeCanceled)
        {
            Thread.Sleep(s_milliseconds);
            return;
        }
        bool untilStopped = s_holdFile is not null && File.Exists(s_holdFile);
        // Said on standard error so that a test can signal while a hold is surely under way, not between two.
        Console.Error.WriteLine(untilStopped ? "test hook: holding a batch until the run stops" : $"test hook: holding a batch {s_milliseconds} ms");
        if (untilStopped)
        {
            while (!stop.WaitHandle.WaitOne(50) && !File.Exists(s_holdFile + ".release"))
            {
            }
        }
        else
        {
            stop.WaitHandle.WaitOne(s_milliseconds);
        }
        stop.ThrowIfCancellationRequested();
    }
}
