namespace DistNN.Protocol.Messages;

/// <summary>
/// Marker for every message DistNN's actors exchange. It is an <see cref="IProtocolMessage"/>, so the one binding of
/// that interface to <see cref="Serialization.ProtocolSerializer"/> covers them all; each is registered under its
/// manifest in <see cref="DistNNMessages"/>.
/// </summary>
public interface IDistNNMessage : IProtocolMessage
{
}
