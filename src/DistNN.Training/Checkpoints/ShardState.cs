using DistNN.Training.Parameters;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// A parameter server's state at one step, copied out of it: its chunks' weights and optimizer state (slot by slot, as
/// the optimizer lays them out), each chunk's version and update count, and its accounting (the epoch and the batches
/// of it the server has applied).
/// </summary>
public sealed record ShardState(
    int ServerIndex, long Step, int Epoch, int[] AppliedBatches, int[] AppliedSamples, IReadOnlyList<ParameterChunk> Chunks, string Optimizer,
    float[][] Weights, float[][] OptimizerState, long[] Versions, long[] Updates);
