using System.Collections.Concurrent;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// The thread that writes checkpoints, one per process, so that no actor waits for a disk: servers and the coordinator
/// hand it their copies and go on. Work runs in the order it was given (a server's files before the manifest that names
/// them). A queue already full of work means the disk is behind: the new checkpoint is skipped, not queued.
/// </summary>
public sealed class CheckpointWriter
{
    private readonly BlockingCollection<Action> _queue = new(boundedCapacity: 64);

    private CheckpointWriter()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "distnn.checkpoint-writer" };
        thread.Start();
    }

    public static CheckpointWriter Shared { get; } = new();

    /// <summary>Queues <paramref name="work"/>; false when the queue is full (the caller says what it skipped).</summary>
    public bool TryEnqueue(Action work) => _queue.TryAdd(work);

    /// <summary>Waits until what was queued before this call has been written, at most <paramref name="timeout"/>.</summary>
    public bool Flush(TimeSpan timeout)
    {
        using var done = new ManualResetEventSlim();
        return _queue.TryAdd(() => done.Set(), timeout) && done.Wait(timeout);
    }

    private void Run()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            try
            {
                work();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Each piece of work reports its own failures; one that escapes must not end the writer.
                Console.Error.WriteLine($"distnn: checkpoint writer: {e.GetType().Name}: {e.Message}");
            }
        }
    }
}
