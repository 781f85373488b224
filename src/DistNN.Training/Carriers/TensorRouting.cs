using Akka.Actor;
using DistNN.Protocol.Messages;
using DistNN.Training.Plan;
using DistNN.Transport;

namespace DistNN.Training.Carriers;

/// <summary>Which transport a plan's tensor messages take to each server.</summary>
public static class TensorRouting
{
    /// <summary>
    /// The refs a worker (or evaluator) of <paramref name="system"/> sends tensor messages to: an in-process ref for a
    /// server of this ActorSystem (messages by reference), the server itself when the plan says
    /// <see cref="TensorCarrierKind.Local"/>; otherwise a ref of the plan's carrier, whose data-plane requests carry
    /// <paramref name="credential"/>. Throws with the reason when the data plane is asked for and a server's node announced no endpoint.
    /// </summary>
    public static IReadOnlyList<IActorRef> Route(ActorSystem system, IReadOnlyList<IActorRef> servers,
        IReadOnlyList<string>? dataPlanes, TrainingPlan plan, DataPlaneCredential? credential = null)
    {
        var transports = TensorTransports.Get(system);
        ITensorTransport transport = plan.Carrier switch
        {
            TensorCarrierKind.Local => transports.InProcess,
            TensorCarrierKind.Remote => transports.Pieces.WithChunkBytes(plan.ChunkBytes),
            _ => transports.DataPlane,
        };
        var routed = new IActorRef[servers.Count];
        for (int i = 0; i < servers.Count; i++)
        {
            string endpoint = dataPlanes is not null && i < dataPlanes.Count ? dataPlanes[i] : "";
            routed[i] = transports.Override?.To(servers[i], endpoint, credential)
                ?? (TensorTransports.IsLocal(servers[i]) ? transports.InProcess : transport).To(servers[i], endpoint, credential);
        }
        return routed;
    }
}
