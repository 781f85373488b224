namespace DistNN.Protocol.Limits;

/// <summary>
/// Upper bounds checked against every length, count and shape read from the wire before anything is allocated.
/// The defaults admit any model this project trains (a 64 MiB frame, 16 M floats per chunk) while keeping a
/// hostile or corrupted peer from making a node allocate more than a few times the bytes it actually sent.
/// </summary>
public sealed record ProtocolLimits
{
    public static ProtocolLimits Default { get; } = new();

    /// <summary>Largest frame payload or serialized message, in bytes.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Most elements one tensor chunk may declare (its shape's volume).</summary>
    public int MaxTensorElements { get; init; } = 16 * 1024 * 1024;

    /// <summary>Longest string, in UTF-8 bytes (names, addresses, error texts).</summary>
    public int MaxStringBytes { get; init; } = 256 * 1024;

    /// <summary>Most elements in one MessagePack array or map (lists of chunks, worker ids, ...).</summary>
    public int MaxCollectionCount { get; init; } = 65536;

    /// <summary>Most dimensions of a tensor shape.</summary>
    public int MaxRank { get; init; } = 8;

    /// <summary>Deepest nesting of arrays and maps in one message.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Largest MessagePack bin: a dense float32 chunk of <see cref="MaxTensorElements"/> plus nothing else.</summary>
    public long MaxBinaryBytes => (long)MaxTensorElements * sizeof(float);
}
