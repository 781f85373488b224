using DistNN.Protocol.Serialization;

namespace DistNN.Protocol.Messages;

/// <summary>
/// The manifest of every <see cref="IDistNNMessage"/>: short stable names that are part of the wire format (rename a
/// record freely, never its manifest). <see cref="ProtocolMessageRegistry.Default"/> starts with them, so every node
/// whose serializer is built the default way knows them all.
/// </summary>
public static class DistNNMessages
{
    public static ProtocolMessageRegistry Register(ProtocolMessageRegistry registry) => registry
        .Register<RegisterServer>("distnn.register-server")
        .Register<RegisterWorker>("distnn.register-worker")
        .Register<InitServer>("distnn.init-server")
        .Register<ServerReady>("distnn.server-ready")
        .Register<InitWorker>("distnn.init-worker")
        .Register<WorkerReady>("distnn.worker-ready")
        .Register<InitEvaluator>("distnn.init-evaluator")
        .Register<EvaluatorReady>("distnn.evaluator-ready")
        .Register<AssignBatches>("distnn.assign-batches")
        .Register<WorkerIdle>("distnn.worker-idle")
        .Register<LiveWorkers>("distnn.live-workers")
        .Register<BatchDone>("distnn.batch-done")
        .Register<BatchesDone>("distnn.batches-done")
        .Register<Evaluate>("distnn.evaluate")
        .Register<EvaluationResult>("distnn.evaluation-result")
        .Register<TrainingFailed>("distnn.training-failed")
        .Register<PullWeights>("distnn.pull-weights")
        .Register<WeightsReply>("distnn.weights-reply")
        .Register<PushGradients>("distnn.push-gradients")
        .Register<PushReply>("distnn.push-reply")
        .Register<MessagePiece>("distnn.message-piece")
        .Register<LeaveCluster>("distnn.leave-cluster")
        .Register<BatchRefused>("distnn.batch-refused")
        .Register<ReportApplied>("distnn.report-applied")
        .Register<BatchesApplied>("distnn.batches-applied")
        .Register<NodeInterrupted>("distnn.node-interrupted")
        .Register<CheckpointPolicy>("distnn.checkpoint-policy")
        .Register<TakeCheckpoint>("distnn.take-checkpoint")
        .Register<ShardCheckpointed>("distnn.shard-checkpointed")
        .Register<RestoreShard>("distnn.restore-shard")
        .Register<ResetShard>("distnn.reset-shard")
        .Register<CheckpointCompleted>("distnn.checkpoint-completed")
        .Register<ShardRestored>("distnn.shard-restored")
        .Register<ServersReplaced>("distnn.servers-replaced")
        .Register<Rerouted>("distnn.rerouted")
        .Register<ServerUnreachable>("distnn.server-unreachable")
        .Register<StopWork>("distnn.stop-work");
}
