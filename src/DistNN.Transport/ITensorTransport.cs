using Akka.Actor;
using DistNN.Protocol.Messages;

namespace DistNN.Transport;

/// <summary>
/// How tensor messages (pushes, pulls and their replies) reach a parameter server: an actor gets a ref per server from
/// its transport and tells it as it would tell the server; replies arrive in its mailbox.
/// </summary>
public interface ITensorTransport
{
    /// <summary>
    /// The ref to send to <paramref name="server"/>, whose node announced the data-plane <paramref name="endpoint"/> (or
    /// none); on the data plane requests carry <paramref name="credential"/> (the other carriers are Akka.Remote's own).
    /// </summary>
    IActorRef To(IActorRef server, string endpoint, DataPlaneCredential? credential = null);
}
