namespace DistNN.Training.Cluster;

/// <summary>What a cluster node runs; the Akka.Cluster role names are <see cref="NodeRoles"/>.</summary>
public enum NodeRole
{
    /// <summary>The coordinator (and its evaluator): plans, deals batches, evaluates, ends the run. Normally the seed node.</summary>
    Coordinator,

    /// <summary>One parameter server with its tensor data plane.</summary>
    Ps,

    /// <summary>One worker (a model replica).</summary>
    Worker,
}

public static class NodeRoles
{
    public const string Coordinator = "coordinator";
    public const string Ps = "ps";
    public const string Worker = "worker";

    public static string Name(this NodeRole role) => role switch
    {
        NodeRole.Coordinator => Coordinator,
        NodeRole.Ps => Ps,
        _ => Worker,
    };

    public static NodeRole Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        Coordinator => NodeRole.Coordinator,
        Ps => NodeRole.Ps,
        Worker => NodeRole.Worker,
        _ => throw new ArgumentException($"--role must be coordinator, ps or worker (got '{text}')"),
    };
}
