using Akka.Configuration;
using DistNN.Training.Configuration;

namespace DistNN.Training.Actors;

/// <summary>
/// Dispatchers of DistNN's actors: compute (workers, servers, evaluator) never runs on Akka's default dispatcher.
/// </summary>
public static class DistNNDispatchers
{
    /// <summary>
    /// A dedicated pool shared by the workers, servers and evaluator of this process (reference.conf defines it and
    /// says why; <see cref="ComputeExecutor"/>): a forward/backward blocks only its own pool thread.
    /// </summary>
    public const string Compute = "distnn.compute-dispatcher";

    /// <summary>The compute pool sized to <paramref name="threads"/> threads (one per worker of this process), as a configuration layer.</summary>
    public static Config WithThreads(int threads) => DistNNReference.Values(
        (Compute + ".thread-count", Math.Max(1, threads).ToString(System.Globalization.CultureInfo.InvariantCulture)));
}
