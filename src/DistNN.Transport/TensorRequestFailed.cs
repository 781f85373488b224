using Akka.Actor;

namespace DistNN.Transport;

/// <summary>
/// Told (by the node's data plane) to an actor whose push or pull to a server on another node was
/// lost with its data-plane connection and could not be sent again: no reply will come. Endpoint is the server node's
/// data plane ("host:port") the request went to. Refused: the last attempt to connect was refused, nothing listens
/// there any more: a ps node's data plane listens for as long as its process lives, so that process is gone (killed,
/// crashed), not paused or slow (a paused process's socket still accepts). Never leaves its node.
/// </summary>
public sealed record TensorRequestFailed(string Reason, string Endpoint = "", bool Refused = false) : INoSerializationVerificationNeeded;
