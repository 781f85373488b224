namespace DistNN.Training.Checkpoints;

/// <summary>
/// A run's checkpoints: where (<paramref name="Directory"/>), every how many applied steps (<paramref name="Every"/>, 0:
/// only at epoch ends and on an interrupt), how many to keep, and the checkpoint to resume from, if any.
/// </summary>
public sealed record CheckpointOptions(string Directory, int Every = CheckpointOptions.DefaultEvery, int Keep = CheckpointOptions.DefaultKeep,
    CheckpointEntry? ResumeFrom = null)
{
    /// <summary>
    /// Parameter servers beyond the plan's that register and hold nothing until one is lost: then one takes its chunks,
    /// every server is restored from the latest checkpoint and training goes on (0: a lost server ends the run).
    /// </summary>
    public int StandbyServers { get; init; }

    public const int DefaultEvery = 500;

    public const int DefaultKeep = 3;
}
