namespace DistNN.Training.Simulation;

/// <summary>
/// The simulated nodes' CPU. Each node does its work in order, one piece at a time (a worker's batch, a server's decoding of a
/// push or its optimizer update). Without a core count every node is a machine of its own and a piece takes its time; with
/// C cores shared by the n nodes that have work, each goes at min(1, C / n) of full speed (processor sharing, as a fair
/// scheduler gives runnable processes), so a piece's end moves whenever another node starts or stops working.
/// <paramref name="background"/> cores of the shared ones are taken all along by the nodes' runtimes (timers, heartbeats,
/// GC: small pieces a fair scheduler always serves), so the nodes' work shares what is left, C − background.
/// <para>
/// Preemption (with shared cores only): a compute thread costs more CPU per batch when other threads run on its core
/// between its slices (its caches refilled after a messaging thread's copies). Every time a thread that is not a
/// worker's compute wakes up (work queued on it while it had none: a message to read or write, a server's update, the
/// coordinator's report) while k workers compute, it lands on a core running compute with probability min(1, k / C)
/// and preempts one of the k; each computing worker's batch gets <paramref name="preemption"/> × min(1, k / C) / k
/// seconds more work (the expected cost), and <see cref="Preemptions"/> counts the expected preemptions. The wake-up
/// is weighed once everything of its moment is queued. Without shared cores nothing is counted or charged.
/// </para>
/// </summary>
internal sealed class SharedCores(VirtualClock clock, int cores, double background = 0, double preemption = 0)
{
    private sealed class Node(string name)
    {
        public string Name { get; } = name;

        public Queue<(double Work, Action? Done)> Pieces { get; } = new();

        /// <summary>Work left of the first piece, in seconds at full speed.</summary>
        public double Remaining { get; set; }

        /// <summary>A worker's compute thread (its batches), which the other threads' wake-ups preempt.</summary>
        public bool IsCompute { get; set; }
    }

    // A piece whose work left is below this (rounding of the shares) is finished.
    private const double Finished = 1e-12;

    private readonly Dictionary<string, Node> _nodes = [];
    private readonly SortedDictionary<string, double> _charged = new(StringComparer.Ordinal);
    private readonly List<Node> _working = [];
    private readonly SortedDictionary<string, double> _preemptions = new(StringComparer.Ordinal);
    private double _updated;
    private long _generation;

    /// <summary>The cores the nodes share; 0: every node has its own.</summary>
    public int Cores => cores;

    /// <summary>The work charged so far to each node (its sending and receiving sides counted with it), in seconds at full speed.</summary>
    public IReadOnlyDictionary<string, double> Charged => _charged;

    /// <summary>The expected preemptions of each worker's compute by the other threads' wake-ups so far (shared cores only).</summary>
    public IReadOnlyDictionary<string, double> Preemptions => _preemptions;

    /// <summary>
    /// Queues <paramref name="seconds"/> of work (at full speed) on <paramref name="node"/> after what it already has;
    /// <paramref name="done"/> runs when it is finished (with 0 s: as soon as what came before is).
    /// </summary>
    public void Run(string node, double seconds, Action? done = null) => Enqueue(node, seconds, done, wakes: true, compute: false);

    /// <summary>
    /// Queues <paramref name="seconds"/> of a batch's compute on the worker <paramref name="node"/> (its compute thread):
    /// as <see cref="Run"/>, but it is what the other threads' wake-ups preempt, and it wakes nothing itself.
    /// </summary>
    public void Compute(string node, double seconds) => Enqueue(node, seconds, null, wakes: false, compute: true);

    /// <summary>
    /// As <see cref="Run"/>, for work a thread does that never preempts a compute (<paramref name="wakes"/> false: a
    /// worker's compute thread writing its own push parts inline).
    /// </summary>
    public void Run(string node, double seconds, Action? done, bool wakes) => Enqueue(node, seconds, done, wakes, compute: false);

    private void Enqueue(string node, double seconds, Action? done, bool wakes, bool compute)
    {
        Advance();
        if (!_nodes.TryGetValue(node, out var n))
        {
            _nodes[node] = n = new Node(node);
        }
        n.IsCompute |= compute;
        n.Pieces.Enqueue((Math.Max(0, seconds), done));
        string owner = node.Split('/')[0];
        _charged[owner] = _charged.GetValueOrDefault(owner) + Math.Max(0, seconds);
        if (n.Pieces.Count == 1)
        {
            Begin(n);
            if (wakes && !n.IsCompute && cores > 0)
            {
                // The thread had nothing to do: it wakes up. Weighed once its moment's work is all queued (a batch's
                // compute charged in the same handler as the report that woke the coordinator counts as running).
                clock.At(clock.Now, Preempt);
            }
        }
        Schedule();
    }

    /// <summary>Runs <paramref name="action"/> once <paramref name="node"/> has finished the work queued so far.</summary>
    public void Then(string node, Action action) => Enqueue(node, 0, action, wakes: false, compute: false);

    /// <summary>A wake-up now: its expected preemption of the workers computing, and their caches' refill charged to them.</summary>
    private void Preempt()
    {
        Advance();
        var computing = _working.Where(n => n.IsCompute).ToList();
        if (computing.Count == 0)
        {
            return;
        }
        double each = Math.Min(1.0, (double)computing.Count / cores) / computing.Count;
        foreach (var n in computing)
        {
            _preemptions[n.Name] = _preemptions.GetValueOrDefault(n.Name) + each;
            if (preemption > 0)
            {
                n.Remaining += preemption * each;
                string owner = n.Name.Split('/')[0];
                _charged[owner] = _charged.GetValueOrDefault(owner) + preemption * each;
            }
        }
        Schedule();
    }

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
