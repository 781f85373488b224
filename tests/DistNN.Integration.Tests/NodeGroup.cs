namespace DistNN.Integration.Tests;

/// <summary>
/// The real `distnn node` processes one spec starts: their temporary folder, their output for a failure's message, and
/// their end (each resumed if it was stopped, then killed; the folder removed).
/// </summary>
internal sealed class NodeGroup(string prefix) : IDisposable
{
    private readonly List<NodeProcess> _nodes = [];

    public string Dir { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>Every node started, in start order.</summary>
    public IReadOnlyList<NodeProcess> All => _nodes;

    public NodeProcess Start(string label, params string[] args)
    {
        var node = NodeProcess.Start(label, Dir, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>The exit code of each of <paramref name="nodes"/> (null: still running), all waited for within one <paramref name="limit"/>.</summary>
    public static List<int?> WaitForExits(IEnumerable<NodeProcess> nodes, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        return nodes.Select(n => n.WaitForExit(TimeSpan.FromTicks(Math.Max((deadline - DateTime.UtcNow).Ticks, TimeSpan.TicksPerSecond)))).ToList();
    }

    public string Diagnostics() => string.Join("\n", _nodes.Select(n => n.Describe()));

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            try
            {
                node.Signal("CONT"); // a node a spec stopped would otherwise outlive it
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            node.Dispose();
        }
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // a node still holding a file: the temporary folder stays
        }
    }
}
