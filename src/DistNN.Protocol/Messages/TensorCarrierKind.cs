namespace DistNN.Protocol.Messages;

/// <summary>
/// How tensor messages (pushes, pulls and their replies) reach a parameter server on another node. A server in the
/// worker's own ActorSystem is always sent to directly, by reference, whatever the setting.
/// </summary>
public enum TensorCarrierKind
{
    /// <summary>The node's data-plane TCP connection to the server's node (announced over the control plane).</summary>
    Dataplane,

    /// <summary>Akka.Remote, each message cut into pieces of at most the plan's ChunkBytes (one port suffices).</summary>
    Remote,

    /// <summary>Plain actor messages: by reference in one process, whole messages over Akka.Remote otherwise.</summary>
    Local,
}
