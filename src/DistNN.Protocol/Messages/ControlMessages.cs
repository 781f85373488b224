using Akka.Actor;

namespace DistNN.Protocol.Messages;

/// <summary>Marker for every message DistNN's actors exchange (binds the protocol serializer).</summary>
public interface IDistNNMessage
{
}

/// <summary>A parameter server announces itself to the coordinator.</summary>
public sealed record RegisterServer(IActorRef Server) : IDistNNMessage;

/// <summary>A worker announces itself to the coordinator.</summary>
public sealed record RegisterWorker(IActorRef Worker, string Name) : IDistNNMessage;

/// <summary>Coordinator → server: build your chunks (index of ServerCount) from the plan's spec and seed.</summary>
public sealed record InitServer(string PlanJson, int ServerIndex, int ServerCount) : IDistNNMessage;

public sealed record ServerReady(int ServerIndex, int Chunks, long Floats) : IDistNNMessage;

/// <summary>Coordinator → worker: build the replica; Servers[i] owns the chunks the layout gives server i.</summary>
public sealed record InitWorker(string PlanJson, IReadOnlyList<IActorRef> Servers) : IDistNNMessage;

public sealed record WorkerReady(string Name) : IDistNNMessage;

/// <summary>
/// Coordinator → worker: the batches (ids into the epoch's seeded permutation cut into batches) this worker
/// trains in this epoch, in order. Sent again with more ids when a stopped worker's batches are handed out.
/// </summary>
public sealed record AssignBatches(int Epoch, int TotalBatches, IReadOnlyList<int> BatchIds) : IDistNNMessage;

/// <summary>Worker → servers: this worker has no batches left in the epoch (sync and ssp stop waiting for it).</summary>
public sealed record WorkerIdle(string Worker, int Epoch) : IDistNNMessage;

/// <summary>Coordinator → servers: these workers are alive; pushes from anyone else are refused.</summary>
public sealed record LiveWorkers(IReadOnlyList<string> Workers) : IDistNNMessage;

/// <summary>Worker → coordinator after every server acknowledged the batch's push.</summary>
public sealed record BatchDone(string Worker, int Epoch, int BatchId, int Samples, float Loss, int Correct, double ComputeSeconds, double WaitSeconds) : IDistNNMessage;

/// <summary>Coordinator → evaluator: pull the current weights and score the test set.</summary>
public sealed record Evaluate(int Epoch) : IDistNNMessage;

public sealed record EvaluationResult(int Epoch, double Accuracy, double Loss) : IDistNNMessage;

/// <summary>The run failed: the reason is for the user.</summary>
public sealed record TrainingFailed(string Reason) : IDistNNMessage;
