using Akka.Actor;
using DistNN.Protocol.Messages;
using DistNN.Training.Plan;

namespace DistNN.Training.Carriers;

/// <summary>
/// How a worker or the evaluator reaches the servers as they are now: their data-plane endpoints and its credential,
/// given at init and changed when a lost server is replaced (<see cref="ServersReplaced"/>).
/// </summary>
internal sealed class ServerRoutes(IReadOnlyList<string>? dataPlanes, DataPlaneCredential? credential)
{
    private IReadOnlyList<string>? _dataPlanes = dataPlanes;

    /// <summary>The refs to send tensor messages to (<see cref="TensorRouting.Route"/>).</summary>
    public IReadOnlyList<IActorRef> Route(ActorSystem system, IReadOnlyList<IActorRef> servers, TrainingPlan plan) =>
        TensorRouting.Route(system, servers, _dataPlanes, plan, credential);

    /// <summary>The refs of the replaced set of servers, which must be as many as before.</summary>
    public IReadOnlyList<IActorRef> Reroute(ActorSystem system, ServersReplaced replaced, TrainingPlan plan)
    {
        _dataPlanes = replaced.DataPlanes;
        return Route(system, replaced.Servers, plan);
    }

    /// <summary>False for a lost request to an endpoint no server is at any more (one replaced since it was sent).</summary>
    public bool IsCurrent(string endpoint) => endpoint.Length == 0 || _dataPlanes is null || _dataPlanes.Contains(endpoint);
}
