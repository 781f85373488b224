using System.Diagnostics;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// One replacement of lost parameter servers under way, as the coordinator tracks it: which server indices still wait
/// for a standby or a new ps node, the checkpoint every server is rolled back to, which servers have been told to
/// restore and have, and which workers (and the evaluator) have taken the new routes. Servers lost meanwhile join it.
/// </summary>
internal sealed class ServerRecovery(int servers, CheckpointEntry from)
{
    private readonly SortedSet<int> _waiting = [];
    private readonly bool[] _restoreSent = new bool[servers];
    private readonly bool[] _restored = new bool[servers];
    private readonly HashSet<string> _awaitingReroute = [];
    private readonly List<string> _lost = [];
    private readonly SortedDictionary<int, string> _replacements = [];

    /// <summary>The checkpoint every server goes back to.</summary>
    public CheckpointEntry From { get; } = from;

    public Stopwatch Since { get; } = Stopwatch.StartNew();

    /// <summary>The <see cref="Protocol.Messages.ServersReplaced"/> generation whose answers count; 0 before it is sent.</summary>
    public int Generation { get; private set; }

    /// <summary>The indices of lost servers no replacement has taken yet, lowest first.</summary>
    public IReadOnlyCollection<int> Waiting => _waiting;

    /// <summary>Which servers were lost, for the log ("parameter server 1 (path)").</summary>
    public IReadOnlyList<string> Lost => _lost;

    /// <summary>Server <paramref name="index"/> is lost: it needs a replacement, a restore, and the workers new routes again.</summary>
    public void OnLost(int index, string who)
    {
        _waiting.Add(index);
        _restoreSent[index] = false;
        _restored[index] = false;
        _lost.Add(who);
        Generation = 0;
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

    /// <summary>Server <paramref name="index"/> answered its restore.</summary>
    public void OnRestored(int index)
    {
        if (index >= 0 && index < _restored.Length && _restoreSent[index])
        {
            _restored[index] = true;
        }
    }

    public bool AllRestored => _waiting.Count == 0 && _restored.All(r => r);

    public bool RerouteSent => Generation > 0;

    /// <summary>New routes went out as <paramref name="generation"/> to <paramref name="names"/>; their answers are awaited.</summary>
    public void RerouteSentTo(int generation, IEnumerable<string> names)
    {
        Generation = generation;
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
