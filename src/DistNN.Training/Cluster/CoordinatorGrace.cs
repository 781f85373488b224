namespace DistNN.Training.Cluster;

/// <summary>
/// --coordinator-grace on a ps or worker node: after its coordinator was lost (at <see cref="LostAt"/>), how long the node
/// waits, joining its seeds again, for a new coordinator (`distnn node --role coordinator --resume DIR` at the seed
/// address) before it exits 1. The node's <see cref="NodeAgent"/> ends a session with <see cref="Lost"/> or
/// <see cref="Expired"/> instead of an exit code.
/// </summary>
public sealed record CoordinatorGrace(TimeSpan Length, DateTime LostAt)
{
    /// <summary>A session's end meaning "the coordinator was lost: leave this cluster and join the seeds again".</summary>
    public const int Lost = -1;

    /// <summary>A session's end meaning "joined again, but no coordinator showed up within the grace".</summary>
    public const int Expired = -2;

    public DateTime Deadline => LostAt + Length;

    public TimeSpan Remaining => Deadline - DateTime.UtcNow;

    /// <summary>The one line a node logs when it starts waiting.</summary>
    public static string Waiting(string what, TimeSpan grace) =>
        $"coordinator lost ({what}): waiting up to {grace.TotalSeconds:0.#} s for a new one";

    /// <summary>The one line (stderr) of a node whose grace ran out.</summary>
    public string ExpiredMessage(string seeds) =>
        $"no new coordinator within {Length.TotalSeconds:0.#} s of losing the previous one (joining {seeds}): exiting "
        + "(start one with distnn node --role coordinator --resume DIR at the seed address, or raise --coordinator-grace)";
}
