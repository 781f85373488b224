using System.Diagnostics;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// One replacement of lost parameter servers under way, as the coordinator tracks it: which server indices still wait
/// for a standby or a new ps node, the checkpoint every server is rolled back to (none: the plan's initial state), which
/// servers have been told to restore and have, and which workers (and the evaluator) have taken the new routes. Servers
/// lost meanwhile join it under a new generation: every server is restored again and the routes sent again.
/// </summary>
internal sealed class ServerRecovery(int servers, CheckpointEntry? from)
{
    private readonly SortedSet<int> _waiting = [];
    private readonly bool[] _restoreSent = new bool[servers];
    private readonly bool[] _restored = new bool[servers];
    private readonly HashSet<string> _awaitingReroute = [];
    private readonly List<string> _lost = [];
    private readonly SortedDictionary<int, string> _replacements = [];

    /// <summary>The checkpoint every server goes back to; null: the plan's initial state (no checkpoint of the run yet).</summary>
    public CheckpointEntry? From { get; } = from;

    /// <summary>What every server goes back to, for the log.</summary>
    public string Describe => From is { } f ? $"checkpoint {f.Folder} (step {f.Manifest!.Step})" : "the plan's initial state (step 0: no checkpoint of this run yet)";

    public Stopwatch Since { get; } = Stopwatch.StartNew();

    /// <summary>
    /// The rollback's generation: the restores, their answers and the new routes (<see cref="Protocol.Messages.ServersReplaced"/>)
    /// carry it, and from then on the servers refuse pushes of an older one.
    /// </summary>
    public int Generation { get; private set; }

    public bool RerouteSent { get; private set; }

    /// <summary>The indices of lost servers no replacement has taken yet, lowest first.</summary>
    public IReadOnlyCollection<int> Waiting => _waiting;

    /// <summary>Which servers were lost, for the log ("parameter server 1 (path)").</summary>
    public IReadOnlyList<string> Lost => _lost;

    /// <summary>
    /// Server <paramref name="index"/> is lost: it needs a replacement; every server a restore under the new
    /// <paramref name="generation"/>, and the workers the new routes.
    /// </summary>
    public void OnLost(int index, string who, int generation)
    {
        _waiting.Add(index);
        Array.Clear(_restoreSent);
        Array.Clear(_restored);
        _lost.Add(who);
        Generation = generation;
        RerouteSent = false;
        _awaitingReroute.Clear();
    }

    /// <summary>Server <paramref name="index"/>'s chunks went to the server at <paramref name="path"/>.</summary>
    public void OnReplaced(int index, string path)
    {
        _waiting.Remove(index);
        _replacements[index] = path;
    }

    /// <summary>"server I → PATH" for each lost index, for the log.</summary>
    public string Replacements => string.Join(", ", _replacements.Select(r => $"server {r.Key} → {r.Value}"));

    /// <summary>The servers not yet told to restore (each is told once), marking them told.</summary>
    public List<int> TakeRestoresToSend()
    {
        var send = Enumerable.Range(0, _restoreSent.Length).Where(i => !_restoreSent[i]).ToList();
        send.ForEach(i => _restoreSent[i] = true);
        return send;
    }

    /// <summary>Server <paramref name="index"/> answered its restore of <paramref name="generation"/> (one of an earlier generation does not count).</summary>
    public void OnRestored(int index, int generation)
    {
        if (index >= 0 && index < _restored.Length && _restoreSent[index] && generation == Generation)
        {
            _restored[index] = true;
        }
    }

    public bool AllRestored => _waiting.Count == 0 && _restored.All(r => r);

    /// <summary>New routes went out as <see cref="Generation"/> to <paramref name="names"/>; their answers are awaited.</summary>
    public void RerouteSentTo(IEnumerable<string> names)
    {
        RerouteSent = true;
        _awaitingReroute.Clear();
        _awaitingReroute.UnionWith(names);
    }

    /// <summary>An answer to the routes of <paramref name="generation"/>, or a worker that stopped (it answers no more).</summary>
    public void OnRerouted(string name, int generation)
    {
        if (generation == Generation)
        {
            _awaitingReroute.Remove(name);
        }
    }

    public void Forget(string name) => _awaitingReroute.Remove(name);

    public bool AllRerouted => RerouteSent && _awaitingReroute.Count == 0;
}
