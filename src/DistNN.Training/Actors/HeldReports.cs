using System.Diagnostics;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Actors;

/// <summary>
/// A remote worker's batch reports held for company (<see cref="Worker"/>, and `distnn bench --control-plane`, whose
/// reporters must group as a worker does): each message wakes the coordinator's remoting and dispatcher
/// (docs/simulation.md), so reports go together once <see cref="Max"/> are held or the first has waited
/// <see cref="Window"/> (a 20 ms step of the cnn then wakes the coordinator once in about 5 batches).
/// </summary>
public sealed class HeldReports
{
    /// <summary>How long a report to a coordinator on another node may wait for company.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(100);

    /// <summary>How many reports go in one message at most.</summary>
    public const int Max = 16;

    private readonly List<BatchDone> _held = [];
    private readonly TimeSpan _window;
    private long _firstAt;

    public HeldReports(TimeSpan window) => _window = window;

    /// <summary>Holds <paramref name="done"/>; true when the held reports are due (<see cref="Max"/> held, or the first has waited the window).</summary>
    public bool Hold(BatchDone done)
    {
        if (_held.Count == 0)
        {
            _firstAt = Stopwatch.GetTimestamp();
        }
        _held.Add(done);
        return _held.Count >= Max || Stopwatch.GetElapsedTime(_firstAt) >= _window;
    }

    /// <summary>The held reports as one message (a lone report as itself), or null when none are held; none are held after.</summary>
    public object? Take()
    {
        if (_held.Count == 0)
        {
            return null;
        }
        object message = _held.Count == 1 ? _held[0] : new BatchesDone([.. _held]);
        _held.Clear();
        return message;
    }

    /// <summary>Drops the held reports (batches a rollback undid).</summary>
    public void Drop() => _held.Clear();
}
