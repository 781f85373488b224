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

    /// <summary>
    /// The node's roles as --role takes them: the role, then ",worker" when a coordinator node also runs a worker and ",ps"
    /// when the node also runs a parameter server.
    /// </summary>
    public static string Names(this NodeRole role, bool withWorker, bool withPs) =>
        role.Name() + (withWorker ? "," + Worker : "") + (withPs ? "," + Ps : "");

    /// <summary>
    /// The combinations a node may run (in any order): the coordinator and/or a worker with one parameter server beside it
    /// (the colocated layout of parameter-server systems: a worker reaches its own node's server in memory, the others over
    /// the data plane), and the coordinator with a worker, with or without a server (as rank 0 of DDP coordinates and trains).
    /// </summary>
    public const string Combinations = "coordinator,ps; worker,ps; coordinator,worker; coordinator,worker,ps";

    public static NodeRole Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        Coordinator => NodeRole.Coordinator,
        Ps => NodeRole.Ps,
        Worker => NodeRole.Worker,
        _ => throw new ArgumentException($"--role must be coordinator, ps or worker (got '{text}')"),
    };

    /// <summary>
    /// --role as written: one role, or several comma-separated, each at most once and in any order (<see cref="Combinations"/>):
    /// the node's main role (the coordinator if it is one, else the worker), whether a coordinator node also runs a worker,
    /// and whether the node also runs a parameter server. An unknown or repeated role is refused, naming it.
    /// </summary>
    public static (NodeRole Role, bool WithWorker, bool WithPs) ParseList(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries).Select(n => n.ToLowerInvariant()).ToList();
        if (names.Count == 1)
        {
            return (Parse(names[0]), false, false);
        }
        const string what = "--role must be coordinator, ps or worker, or several of them comma-separated, each once (" + Combinations + ")";
        var unknown = names.Where(n => n is not (Coordinator or Ps or Worker)).Distinct().ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"{what}: {string.Join(", ", unknown.Select(n => $"'{n}'"))} is not a role (got '{text}')");
        }
        var repeated = names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0)
        {
            throw new ArgumentException($"{what}: {string.Join(" and ", repeated)} named more than once (got '{text}')");
        }
        // Two or three distinct roles: with the coordinator among them, the others run beside it; else they are worker and ps.
        return names.Contains(Coordinator) ? (NodeRole.Coordinator, names.Contains(Worker), names.Contains(Ps)) : (NodeRole.Worker, false, true);
    }
}
