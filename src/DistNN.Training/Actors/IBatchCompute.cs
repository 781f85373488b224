using DistNN.Data;

namespace DistNN.Training.Actors;

/// <summary>
/// What a worker runs for one batch before it pushes: the replica's forward and backward pass, or in the simulated
/// cluster a stand-in that writes gradients and charges the batch's compute time to a virtual clock.
/// </summary>
internal interface IBatchCompute
{
    (float Loss, int Correct) Run(WorkerReplica replica, string worker, Dataset train, ReadOnlySpan<int> indices, long batchNumber);
}

/// <summary>The real thing: forward, loss, backward, clipping and compression on the replica.</summary>
internal sealed class ReplicaCompute : IBatchCompute
{
    public static ReplicaCompute Instance { get; } = new();

    public (float Loss, int Correct) Run(WorkerReplica replica, string worker, Dataset train, ReadOnlySpan<int> indices, long batchNumber) =>
        replica.Compute(train, indices, batchNumber);
}
