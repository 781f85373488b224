namespace DistNN.Protocol;

/// <summary>
/// The wire protocol version. Every data-plane frame and every control-plane message carries it;
/// a peer speaking another version is refused with a message naming both versions.
/// Bump it whenever a contract or an encoding changes incompatibly.
/// </summary>
public static class ProtocolVersion
{
    public const byte Current = 3;
}
