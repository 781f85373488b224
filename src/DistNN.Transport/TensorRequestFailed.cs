using Akka.Actor;

namespace DistNN.Transport;

/// <summary>
/// Told (by the node's data plane) to an actor whose push or pull to a server on another node was
/// lost with its data-plane connection and could not be sent again: no reply will come. Endpoint is the server node's
/// data plane ("host:port") the request went to. Never leaves its node.
/// </summary>
public sealed record TensorRequestFailed(string Reason, string Endpoint = "") : INoSerializationVerificationNeeded;
