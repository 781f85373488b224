namespace DistNN.Protocol;

/// <summary>
/// Marker for every message contract that crosses a process boundary. Akka's serialization-bindings
/// bind this interface to <see cref="Serialization.ProtocolSerializer"/>; each implementing type is
/// registered under a manifest in <see cref="Serialization.ProtocolMessageRegistry"/>.
/// </summary>
public interface IProtocolMessage
{
}
