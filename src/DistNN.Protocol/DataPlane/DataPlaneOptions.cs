using DistNN.Protocol.Limits;

namespace DistNN.Protocol.DataPlane;

/// <summary>Settings of a data-plane connection; the defaults suit tensors of a few MB on one machine or a LAN.</summary>
public sealed record DataPlaneOptions
{
    public static DataPlaneOptions Default { get; } = new();

    public ProtocolLimits Limits { get; init; } = ProtocolLimits.Default;

    /// <summary>Frames queued for sending per connection; a further send waits (flow control towards the producer).</summary>
    public int MaxInFlightFrames { get; init; } = 4;

    /// <summary>Size of each pooled receive segment; below 85,000 so no segment is a large-object-heap array.</summary>
    public int ReceiveSegmentBytes { get; init; } = 64 * 1024;

    /// <summary>Where refused frames are counted and first logged.</summary>
    public LimitViolations Violations { get; init; } = LimitViolations.Shared;

    /// <summary>Where connection events (closed, errors in the frame handler) are written; none if null.</summary>
    public Action<string>? Log { get; init; }
}
