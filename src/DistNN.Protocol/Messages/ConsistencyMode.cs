namespace DistNN.Protocol.Messages;

/// <summary>How workers and parameter servers agree on when a gradient is applied.</summary>
public enum ConsistencyMode
{
    /// <summary>Step t is applied once every live worker's gradient for t has arrived (averaged by sample count).</summary>
    Sync,

    /// <summary>Each gradient is applied on arrival.</summary>
    Async,

    /// <summary>Stale synchronous parallel: a worker may run at most the plan's staleness steps ahead of the slowest.</summary>
    Ssp,
}
