namespace DistNN.Training.Simulation;

/// <summary>
/// The simulated nodes' CPU. Each node does its work in order, one piece at a time (a worker's batch, a server's decoding of a
/// push or its optimizer update). Without a core count every node is a machine of its own and a piece takes its time; with
/// C cores shared by the n nodes that have work, each goes at min(1, C / n) of full speed (processor sharing, as a fair
/// scheduler gives runnable processes), so a piece's end moves whenever another node starts or stops working.
/// <paramref name="background"/> cores of the shared ones are taken all along by the nodes' runtimes (timers, heartbeats,
/// GC: small pieces a fair scheduler always serves), so the nodes' work shares what is left, C − background.
/// </summary>
internal sealed class SharedCores(VirtualClock clock, int cores, double background = 0)
{
    private sealed class Node(string name)
    {
        public string Name { get; } = name;

        public Queue<(double Work, Action? Done)> Pieces { get; } = new();

        /// <summary>Work left of the first piece, in seconds at full speed.</summary>
        public double Remaining { get; set; }
    }

    // A piece whose work left is below this (rounding of the shares) is finished.
    private const double Finished = 1e-12;

    private readonly Dictionary<string, Node> _nodes = [];
    private readonly SortedDictionary<string, double> _charged = new(StringComparer.Ordinal);
    private readonly List<Node> _working = [];
    private double _updated;
    private long _generation;

    /// <summary>The cores the nodes share; 0: every node has its own.</summary>
    public int Cores => cores;

    /// <summary>The work charged so far to each node (its sending and receiving sides counted with it), in seconds at full speed.</summary>
    public IReadOnlyDictionary<string, double> Charged => _charged;

    /// <summary>
    /// Queues <paramref name="seconds"/> of work (at full speed) on <paramref name="node"/> after what it already has;
    /// <paramref name="done"/> runs when it is finished (with 0 s: as soon as what came before is).
    /// </summary>
    public void Run(string node, double seconds, Action? done = null)
    {
        Advance();
        if (!_nodes.TryGetValue(node, out var n))
        {
            _nodes[node] = n = new Node(node);
        }
        n.Pieces.Enqueue((Math.Max(0, seconds), done));
        string owner = node.Split('/')[0];
        _charged[owner] = _charged.GetValueOrDefault(owner) + Math.Max(0, seconds);
        if (n.Pieces.Count == 1)
        {
            Begin(n);
        }
        Schedule();
    }

    /// <summary>Runs <paramref name="action"/> once <paramref name="node"/> has finished the work queued so far.</summary>
    public void Then(string node, Action action) => Run(node, 0, action);

    private double Share => cores <= 0 || _working.Count <= cores - background ? 1 : (cores - background) / _working.Count;

    /// <summary>Brings every working node's work left up to now.</summary>
    private void Advance()
    {
        double elapsed = clock.Now - _updated;
        _updated = clock.Now;
        if (elapsed <= 0)
        {
            return;
        }
        double progress = elapsed * Share;
        foreach (var n in _working)
        {
            n.Remaining -= progress;
        }
    }

    /// <summary>The node's first piece starts; pieces of no work finish at once.</summary>
    private void Begin(Node n)
    {
        while (n.Pieces.TryPeek(out var piece))
        {
            if (piece.Work > 0)
            {
                n.Remaining = piece.Work;
                _working.Add(n);
                return;
            }
            n.Pieces.Dequeue();
            Finish(piece.Done);
        }
    }

    /// <summary>A piece's continuation runs as an event of the clock at this moment, never inside this class's bookkeeping.</summary>
    private void Finish(Action? done)
    {
        if (done is not null)
        {
            clock.At(clock.Now, done);
        }
    }

    /// <summary>Finishes the pieces whose work is done and schedules the next end (earlier schedules are void).</summary>
    private void Schedule()
    {
        foreach (var n in _working.Where(n => n.Remaining <= Finished).ToList())
        {
            _working.Remove(n);
            Finish(n.Pieces.Dequeue().Done);
            Begin(n);
        }
        if (_working.Count == 0)
        {
            return;
        }
        double next = _working.Min(n => n.Remaining) / Share;
        long generation = ++_generation;
        clock.At(clock.Now + next, () =>
        {
            if (generation == _generation)
            {
                Advance();
                Schedule();
            }
        });
    }
}
