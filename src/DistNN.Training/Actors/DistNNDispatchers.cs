namespace DistNN.Training.Actors;

/// <summary>
/// Dispatchers of DistNN's actors: compute (workers, servers, evaluator) never runs on Akka's default dispatcher.
/// </summary>
public static class DistNNDispatchers
{
    /// <summary>
    /// A dedicated pool with one thread per worker, shared by the servers and the evaluator of this process. A
    /// forward/backward blocks only its own pool thread; and a push from a worker to a server in the same process,
    /// and the reply, are picked up by the thread that is already running instead of waking another one (with a
    /// thread per actor each step paid two cross-thread wake-ups).
    /// </summary>
    public const string Compute = "distnn.compute-dispatcher";

    /// <summary>The dispatcher for tests and tools that do not size it: two threads.</summary>
    public static string Hocon { get; } = HoconFor(2);

    public static string HoconFor(int threads) => $$"""
        distnn.compute-dispatcher {
          type = ForkJoinDispatcher
          throughput = 100
          dedicated-thread-pool {
            thread-count = {{Math.Max(1, threads)}}   # one per worker of this process
            threadtype = background
          }
        }
        """;
}
