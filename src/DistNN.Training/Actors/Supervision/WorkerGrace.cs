namespace DistNN.Training.Actors.Supervision;

/// <summary>
/// The coordinator's wait for a worker once none is live (distnn.failures.worker-grace): the batches of the epoch that
/// nobody holds meanwhile, handed to the first worker that joins; the run fails if none joins within the grace.
/// </summary>
public sealed class WorkerGrace(TimeSpan grace)
{
    private readonly List<int> _stranded = [];

    public TimeSpan Grace => grace;

    /// <summary>True from the loss of the last live worker until one joins.</summary>
    public bool Waiting { get; private set; }

    /// <summary>Keeps <paramref name="batches"/> for the next worker; true when this starts the wait (its one log line and timer).</summary>
    public bool Hold(IEnumerable<int> batches)
    {
        bool starts = !Waiting;
        Waiting = true;
        _stranded.AddRange(batches);
        return starts;
    }

    /// <summary>A worker joined: the wait is over, and these are its batches.</summary>
    public List<int> End()
    {
        Waiting = false;
        var batches = _stranded.Distinct().Order().ToList();
        _stranded.Clear();
        return batches;
    }
}
