using DistNN.Protocol.Messages;

namespace DistNN.Training.Accounting;

/// <summary>
/// A server's view of the live workers, as the coordinator last said (<see cref="LiveWorkers"/>): each name with the
/// incarnation whose pushes it takes (none known: any incarnation of the name).
/// </summary>
internal sealed class LiveIncarnations
{
    private readonly Dictionary<string, long?> _live = new(StringComparer.Ordinal);

    public IEnumerable<string> Names => _live.Keys;

    public bool Contains(string worker) => _live.ContainsKey(worker);

    /// <summary>Takes the coordinator's new live set; returns the names whose state is stale: gone, or live as another incarnation.</summary>
    public List<string> Update(LiveWorkers live)
    {
        var next = new Dictionary<string, long?>(StringComparer.Ordinal);
        for (int i = 0; i < live.Workers.Count; i++)
        {
            next[live.Workers[i]] = live.Incarnations is { } incarnations && i < incarnations.Count ? incarnations[i] : null;
        }
        var stale = _live.Where(kv => !next.TryGetValue(kv.Key, out long? now) || now != kv.Value).Select(kv => kv.Key).ToList();
        _live.Clear();
        foreach (var (name, incarnation) in next)
        {
            _live[name] = incarnation;
        }
        return stale;
    }

    /// <summary>True when <paramref name="worker"/> is live as an incarnation other than <paramref name="incarnation"/>.</summary>
    public bool IsSuperseded(string worker, long incarnation) =>
        _live.TryGetValue(worker, out long? live) && live is long known && known != incarnation;

    /// <summary>Why a push from this incarnation of <paramref name="worker"/> is refused, or null when it is live.</summary>
    public string? Refusal(string worker, long incarnation)
    {
        if (!_live.ContainsKey(worker))
        {
            return $"worker {Incarnation.Name(worker, incarnation)} is not live";
        }
        return IsSuperseded(worker, incarnation)
            ? $"worker {Incarnation.Name(worker, incarnation)} is not the live incarnation of {worker} ({Incarnation.Name(worker, _live[worker]!.Value)})"
            : null;
    }
}
