namespace DistNN.Training.Simulation;

/// <summary>Virtual time in seconds and the events due at it; events at the same time run in the order they were scheduled.</summary>
internal sealed class VirtualClock
{
    private readonly PriorityQueue<Action, (double Time, long Order)> _events = new();
    private long _order;

    public double Now { get; private set; }

    public int Pending => _events.Count;

    public void At(double time, Action action)
    {
        if (time < Now || double.IsNaN(time))
        {
            throw new InvalidOperationException($"an event at {time:G6} s was scheduled in the past (now {Now:G6} s)");
        }
        _events.Enqueue(action, (time, _order++));
    }

    /// <summary>Moves to the earliest event and runs it; false when none is left.</summary>
    public bool RunNext()
    {
        if (!_events.TryDequeue(out var action, out var key))
        {
            return false;
        }
        Now = key.Time;
        action();
        return true;
    }
}
