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

    /// <summary>The node's roles as --role takes them: the role, and ",ps" when the node also runs a parameter server.</summary>
    public static string Names(this NodeRole role, bool withPs) => withPs ? role.Name() + "," + Ps : role.Name();

    /// <summary>A combination a node may run: the coordinator with one parameter server beside it.</summary>
    public const string CoordinatorWithPs = Coordinator + "," + Ps;

    /// <summary>
    /// The other combination: a worker with one parameter server beside it (the colocated layout of parameter-server
    /// systems: that worker reaches its own node's server in memory, the others over the data plane).
    /// </summary>
    public const string WorkerWithPs = Worker + "," + Ps;

    public static NodeRole Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        Coordinator => NodeRole.Coordinator,
        Ps => NodeRole.Ps,
        Worker => NodeRole.Worker,
        _ => throw new ArgumentException($"--role must be coordinator, ps or worker (got '{text}')"),
    };

    /// <summary>
    /// --role as written: one role, or <see cref="CoordinatorWithPs"/> or <see cref="WorkerWithPs"/> (in either order): the
    /// role, and whether the node also runs a parameter server. Any other list is refused with what a node may run.
    /// </summary>
    public static (NodeRole Role, bool WithPs) ParseList(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length == 1)
        {
            return (Parse(names[0]), false);
        }
        var roles = names.Select(n => n.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();
        return roles switch
        {
            [Coordinator, Ps] => (NodeRole.Coordinator, true),
            [Ps, Worker] => (NodeRole.Worker, true),
            _ => throw new ArgumentException($"--role must be coordinator, ps or worker, or {CoordinatorWithPs} or {WorkerWithPs} (the "
                + $"coordinator or a worker, and one parameter server, in one process); the coordinator and a worker run in nodes of their own (got '{text}')"),
        };
    }
}
