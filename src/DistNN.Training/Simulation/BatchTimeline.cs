namespace DistNN.Training.Simulation;

/// <summary>
/// A simulated worker's batches on the virtual clock, as the real worker reports them: from a batch's start to the end
/// of its compute (stretched by the shared cores), and from there to the next batch's start (waiting for the replies).
/// </summary>
public sealed class BatchTimeline
{
    private double _start = double.NaN;
    private double _end = double.NaN;

    public int Batches { get; private set; }

    public double ComputeSeconds { get; private set; }

    /// <summary>Waits between one batch's compute and the next batch's start (one fewer than the batches).</summary>
    public int Waits { get; private set; }

    public double WaitSeconds { get; private set; }

    public double ComputePerBatch => Batches == 0 ? 0 : ComputeSeconds / Batches;

    public double WaitPerBatch => Waits == 0 ? 0 : WaitSeconds / Waits;

    internal void Starts(double now)
    {
        if (!double.IsNaN(_end))
        {
            WaitSeconds += now - _end;
            Waits++;
            _end = double.NaN;
        }
        _start = now;
    }

    internal void Ends(double now)
    {
        ComputeSeconds += now - _start;
        Batches++;
        _end = now;
    }
}
