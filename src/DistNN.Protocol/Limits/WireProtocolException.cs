using System.Runtime.Serialization;

namespace DistNN.Protocol.Limits;

/// <summary>
/// An incoming frame or message broke the protocol or a limit. It derives from <see cref="SerializationException"/>
/// so that Akka.Remote drops the message and logs it like any other undecodable message.
/// </summary>
public sealed class WireProtocolException : SerializationException
{
    public WireProtocolException(ViolationKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public ViolationKind Kind { get; }
}
