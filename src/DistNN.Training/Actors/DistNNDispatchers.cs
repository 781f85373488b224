namespace DistNN.Training.Actors;

/// <summary>Dispatchers of DistNN's actors: compute (workers, servers, evaluator) never runs on Akka's default dispatcher.</summary>
public static class DistNNDispatchers
{
    /// <summary>One dedicated thread per actor: a worker's forward/backward or a server's update blocks only its own thread.</summary>
    public const string Compute = "distnn.compute-dispatcher";

    public const string Hocon = """
        distnn.compute-dispatcher {
          type = PinnedDispatcher    # a thread of its own for each actor that computes
          throughput = 100
        }
        """;
}
