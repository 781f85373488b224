namespace DistNN.Protocol.Limits;

/// <summary>Why an incoming frame or message was refused; each kind is counted and logged once.</summary>
public enum ViolationKind
{
    /// <summary>The bytes are not valid MessagePack or not the expected contract (truncated, wrong type, bad field).</summary>
    Malformed,
    MessageTooLarge,
    TensorTooLarge,
    StringTooLong,
    CollectionTooLarge,
    RankTooHigh,
    TooDeep,
    VersionMismatch,
    UnknownManifest,
}
