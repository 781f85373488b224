using DistNN.Training.Checkpoints;
using DistNN.Training.Parameters;

namespace DistNN.Training.Actors;

/// <summary>A server's state as a checkpoint sees it: copied out (<see cref="Capture"/>) and put back (<see cref="Restore"/>).</summary>
internal sealed partial class ServerShard
{
    private long _steps;
    private (int Epoch, int[] Batches, int[] Samples)? _restored;

    /// <summary>The rollback (<see cref="Protocol.Messages.RestoreShard"/>, <see cref="Protocol.Messages.ResetShard"/>) of the weights this server holds.</summary>
    private int _generation;

    /// <summary>Optimizer steps this server has applied since the run began (a checkpoint's step).</summary>
    public long Steps => _steps;

    /// <summary>
    /// No batch is half applied (its gradient in some chunks, not all, which a checkpoint's list of applied batches could
    /// not say): a checkpoint may be taken now.
    /// </summary>
    public bool BetweenRounds => _open.Values.All(o => o.ChunksApplied == 0) && !_applied.AnyPartial;

    /// <summary>A copy of the chunks, their optimizer state and the accounting, taken between two messages.</summary>
    public ShardState Capture(int serverIndex) => new(
        serverIndex, _steps, _epoch, _applied.Samples.Keys.Order().ToArray(), _applied.Samples.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToArray(),
        _chunks, _rule.Name,
        _weights.Select(w => w.ToArray()).ToArray(), _optState.Select(o => o.ToArray()).ToArray(), _versions.ToArray(), _updates.ToArray());

    /// <summary>
    /// The plan's initial state of this server's chunks (<paramref name="layout"/>: the plan's model as built from its spec
    /// and seed): those weights, optimizer state zero, step 0, before epoch 1.
    /// </summary>
    public ShardState Initial(int serverIndex, ParameterLayout layout) => new ShardState(serverIndex, 0, 1, [], [], _chunks, _rule.Name, _chunks.Select(c => layout.ValuesOf(c).ToArray()).ToArray(),
            _optState.Select(o => new float[o.Length]).ToArray(), new long[_chunks.Length], new long[_chunks.Length]);

    /// <summary>
    /// Puts a captured state back before any worker pushes: the weights, optimizer state, versions and step counts; the
    /// batches of its epoch already applied count as applied again when that epoch's first push arrives. From now on
    /// pushes and idle notices of a generation older than <paramref name="generation"/> are refused.
    /// </summary>
    public void Restore(ShardState state, int generation)
    {
        if (state.Chunks.Count != _chunks.Length || state.Chunks.Zip(_chunks).Any(p => p.First.Id != p.Second.Id || p.First.Length != p.Second.Length))
        {
            throw new InvalidDataException($"the checkpoint holds chunks {Describe(state.Chunks)}, this server owns {Describe(_chunks)}");
        }
        if (state.Optimizer != _rule.Name)
        {
            throw new InvalidDataException($"the checkpoint's optimizer is {state.Optimizer}, the plan's {_rule.Name}");
        }
        for (int i = 0; i < _chunks.Length; i++)
        {
            if (state.Weights[i].Length != _weights[i].Length || state.OptimizerState[i].Length != _optState[i].Length)
            {
                throw new InvalidDataException($"the checkpoint's chunk {_chunks[i].Id} holds {state.Weights[i].Length} weights and "
                    + $"{state.OptimizerState[i].Length} optimizer floats, this server needs {_weights[i].Length} and {_optState[i].Length}");
            }
        }
        foreach (var lease in _weightLeases)
        {
            lease?.BeginWrite();
        }
        _stateLease.BeginWrite();
        // Pushes under way belong to the weights before the restore: none of them finishes after it.
        _open.Clear();
        for (int i = 0; i < _chunks.Length; i++)
        {
            state.Weights[i].CopyTo(_weights[i], 0);
            state.OptimizerState[i].CopyTo(_optState[i], 0);
        }
        state.Versions.CopyTo(_versions, 0);
        state.Updates.CopyTo(_updates, 0);
        _steps = state.Step;
        _epoch = state.Epoch - 1;
        _restored = (state.Epoch, state.AppliedBatches, state.AppliedSamples);
        _generation = generation;
    }

    /// <summary>Why a push or idle notice of <paramref name="generation"/> is refused (null: it is not): it was sent before this server was rolled back.</summary>
    private string? StaleGeneration(int generation) => generation < _generation
        ? $"sent before the servers were rolled back (its generation {generation}, the servers' {_generation}): computed on weights since replaced"
        : null;

    /// <summary>At the start of the restored epoch, its batches applied before the checkpoint count as applied again.</summary>
    private void ReapplyRestored(int epoch)
    {
        if (_restored is { } r && r.Epoch == epoch)
        {
            for (int i = 0; i < r.Batches.Length; i++)
            {
                _applied.AddWhole(r.Batches[i], r.Samples[i]); // in the restored weights once
            }
        }
        _restored = null;
    }

    private static string Describe(IEnumerable<Parameters.ParameterChunk> chunks) =>
        "[" + string.Join(", ", chunks.Select(c => $"{c.Id}:{c.Length}")) + "]";
}
