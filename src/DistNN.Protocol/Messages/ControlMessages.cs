using Akka.Actor;
using MessagePack;

namespace DistNN.Protocol.Messages;

// Every contract is a MessagePack array keyed by position: append new fields with the next key, never renumber
// (and bump ProtocolVersion when a change is incompatible).

/// <summary>
/// A parameter server announces itself to the coordinator, with its node's tensor data-plane endpoint
/// ("host:port"; empty when the node runs none), so that workers on other nodes can reach it there. Held: the shards the
/// checkpoint folders of its node's own --checkpoint-dir hold (null: it has none, it uses the coordinator's directory),
/// so that a resume or a recovery gives it the shard its folder holds.
/// </summary>
[MessagePackObject]
public sealed record RegisterServer(
    [property: Key(0)] IActorRef Server, [property: Key(1)] string DataPlane = "", [property: Key(2)] IReadOnlyList<HeldShard>? Held = null) : IDistNNMessage;

/// <summary>
/// A worker announces itself to the coordinator. Its identity is Name plus Incarnation (a random number made when the
/// worker starts): a worker restarted under the same name is a new incarnation and starts clean at the servers.
/// </summary>
[MessagePackObject]
public sealed record RegisterWorker(
    [property: Key(0)] IActorRef Worker, [property: Key(1)] string Name, [property: Key(2)] long Incarnation = 0) : IDistNNMessage;

/// <summary>
/// Coordinator → server: build your chunks (index of ServerCount) from the plan's spec and seed. DataPlaneKey is the
/// run's key that data-plane requests' credentials must be issued under (null: the server takes no data-plane requests).
/// </summary>
[MessagePackObject]
public sealed record InitServer(
    [property: Key(0)] PlanMessage Plan, [property: Key(1)] int ServerIndex, [property: Key(2)] int ServerCount,
    [property: Key(3)] byte[]? DataPlaneKey = null) : IDistNNMessage;

[MessagePackObject]
public sealed record ServerReady(
    [property: Key(0)] int ServerIndex, [property: Key(1)] int Chunks, [property: Key(2)] long Floats) : IDistNNMessage;

/// <summary>
/// Coordinator → worker: build the replica; Servers[i] owns the chunks the layout gives server i and is reachable on
/// the data plane at DataPlanes[i] ("host:port", empty for none; the list is null when no server announced one), where
/// its requests carry Credential. Generation: the servers' rollback generation (<see cref="ServersReplaced"/>) its pushes carry.
/// </summary>
[MessagePackObject]
public sealed record InitWorker(
    [property: Key(0)] PlanMessage Plan, [property: Key(1)] IReadOnlyList<IActorRef> Servers,
    [property: Key(2)] IReadOnlyList<string>? DataPlanes = null, [property: Key(3)] DataPlaneCredential? Credential = null,
    [property: Key(4)] int Generation = 0) : IDistNNMessage;

[MessagePackObject]
public sealed record WorkerReady([property: Key(0)] string Name) : IDistNNMessage;

/// <summary>
/// Coordinator → its evaluator: build the model and reach the servers as a worker would (Servers and DataPlanes as in
/// <see cref="InitWorker"/>, Credential too), to score the test set at each epoch's end.
/// </summary>
[MessagePackObject]
public sealed record InitEvaluator(
    [property: Key(0)] PlanMessage Plan, [property: Key(1)] IReadOnlyList<IActorRef> Servers,
    [property: Key(2)] IReadOnlyList<string>? DataPlanes = null, [property: Key(3)] DataPlaneCredential? Credential = null) : IDistNNMessage;

/// <summary>Evaluator → coordinator: built and able to reach every server.</summary>
[MessagePackObject]
public sealed record EvaluatorReady([property: Key(0)] int Servers) : IDistNNMessage;

/// <summary>
/// Coordinator → worker: the batches this worker trains in this epoch, in order, and the shards they come from (the
/// sample ranges the worker loads; each shard's samples visited in the epoch's seeded permutation of that shard, its
/// batches consecutive slices of it). Sent again with more ids and shards when a stopped worker's shards are handed out.
/// Null Shards: one shard of the whole training set (the epoch's permutation of every sample).
/// </summary>
[MessagePackObject]
public sealed record AssignBatches(
    [property: Key(0)] int Epoch, [property: Key(1)] int TotalBatches, [property: Key(2)] IReadOnlyList<int> BatchIds,
    [property: Key(3)] IReadOnlyList<ShardRange>? Shards = null) : IDistNNMessage;

/// <summary>Training samples Start .. Start + Length − 1 (in the data files' order), shard Id of the epoch's layout.</summary>
[MessagePackObject]
public sealed record ShardRange([property: Key(0)] int Id, [property: Key(1)] int Start, [property: Key(2)] int Length);

/// <summary>
/// Worker → servers: this worker has no batches left in the epoch (sync and ssp stop waiting for it). Generation as in
/// <see cref="PushGradients"/>: one sent before the servers were rolled back is ignored.
/// </summary>
[MessagePackObject]
public sealed record WorkerIdle(
    [property: Key(0)] string Worker, [property: Key(1)] int Epoch, [property: Key(2)] long Incarnation = 0, [property: Key(3)] int Generation = 0) : IDistNNMessage;

/// <summary>
/// Coordinator → servers: these workers are alive, Incarnations[i] being the live incarnation of Workers[i]; pushes from
/// anyone else, or from another incarnation, are refused. Null Incarnations: any incarnation of a live name is taken.
/// </summary>
[MessagePackObject]
public sealed record LiveWorkers(
    [property: Key(0)] IReadOnlyList<string> Workers, [property: Key(1)] IReadOnlyList<long>? Incarnations = null) : IDistNNMessage;

/// <summary>
/// Worker → coordinator after every server acknowledged the batch's push. BytesSent and BytesReceived count, since the
/// worker started, the bytes of its tensor messages that crossed the wire on a carrier (0 in one process).
/// </summary>
[MessagePackObject]
public sealed record BatchDone(
    [property: Key(0)] string Worker, [property: Key(1)] int Epoch, [property: Key(2)] int BatchId,
    [property: Key(3)] int Samples, [property: Key(4)] float Loss, [property: Key(5)] int Correct,
    [property: Key(6)] double ComputeSeconds, [property: Key(7)] double WaitSeconds,
    [property: Key(8)] long BytesSent = 0, [property: Key(9)] long BytesReceived = 0) : IDistNNMessage;

/// <summary>
/// Worker → coordinator on another node: several <see cref="BatchDone"/> in one message, in the order they were done
/// (one wake-up of the coordinator's remoting and dispatcher instead of one each); the coordinator takes each as if it
/// had come alone.
/// </summary>
[MessagePackObject]
public sealed record BatchesDone([property: Key(0)] IReadOnlyList<BatchDone> Batches) : IDistNNMessage;

/// <summary>Coordinator → evaluator: pull the current weights and score the test set.</summary>
[MessagePackObject]
public sealed record Evaluate([property: Key(0)] int Epoch) : IDistNNMessage;

/// <summary>The evaluator's score; the byte counts are its pulls' over carriers since it started, as in <see cref="BatchDone"/>.</summary>
[MessagePackObject]
public sealed record EvaluationResult(
    [property: Key(0)] int Epoch, [property: Key(1)] double Accuracy, [property: Key(2)] double Loss,
    [property: Key(3)] long BytesSent = 0, [property: Key(4)] long BytesReceived = 0) : IDistNNMessage;

/// <summary>The run failed: the reason is for the user.</summary>
[MessagePackObject]
public sealed record TrainingFailed([property: Key(0)] string Reason) : IDistNNMessage;

/// <summary>
/// Coordinator → the node agent of a parameter-server or worker node when the run is over (or failed): leave the
/// cluster and exit with the run's exit code (0 done, 1 failed, 130 interrupted). The reason is logged by the node.
/// <paramref name="Dropped"/>: only this node leaves and the run goes on: a worker's node (exit 1), its worker replaced by
/// a new incarnation of the same name while it was still alive (paused, cut off), or a ps node the run does not need
/// (exit 0: a resume's shards went to other nodes' folders and the standbys are all registered).
/// </summary>
[MessagePackObject]
public sealed record LeaveCluster([property: Key(0)] string Reason, [property: Key(1)] bool RunSucceeded, [property: Key(2)] int ExitCode = 0,
    [property: Key(3)] bool Dropped = false) : IDistNNMessage;
