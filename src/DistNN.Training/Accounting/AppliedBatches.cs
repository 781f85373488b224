using DistNN.Protocol.Messages;

namespace DistNN.Training.Accounting;

/// <summary>
/// The batches a server has applied in its current epoch, with their samples, counted chunk by chunk: a batch's gradient
/// enters each of the server's trainable chunks at most once whoever sends it (<see cref="HasEntered"/>), and the batch is
/// applied once it is in all of them. That is what the server reports to the coordinator (<see cref="BatchesApplied"/>).
/// A push may reach a chunk's weights and never the others (its worker lost between two parts): whoever trains that batch
/// again fills in the rest, and nothing is applied twice.
/// </summary>
internal sealed class AppliedBatches
{
    private readonly Dictionary<int, int> _samples = [];
    private readonly Dictionary<int, HashSet<int>> _partial = [];
    private readonly HashSet<int> _doubled = [];

    public int Epoch { get; private set; }

    /// <summary>Samples of this epoch's batches whose gradient went into a chunk more than once (see <see cref="Enter"/>).</summary>
    public long SamplesDoubled { get; private set; }

    /// <summary>Some batch's gradient is in some trainable chunks and not yet in the others.</summary>
    public bool AnyPartial => _partial.Count > 0;

    public void StartEpoch(int epoch)
    {
        Epoch = epoch;
        _samples.Clear();
        _partial.Clear();
        _doubled.Clear();
        SamplesDoubled = 0;
    }

    /// <summary>The once-only filter: <paramref name="batch"/>'s gradient is in chunk <paramref name="chunk"/> already.</summary>
    public bool HasEntered(int batch, int chunk) =>
        _samples.ContainsKey(batch) || (_partial.TryGetValue(batch, out var chunks) && chunks.Contains(chunk));

    /// <summary>
    /// Records <paramref name="batch"/>'s gradient entering chunk <paramref name="chunk"/>, where the update happens, apart
    /// from the filter: a second entry is a batch applied twice (counted once per batch in <see cref="SamplesDoubled"/>).
    /// Once the batch is in all <paramref name="chunks"/> trainable chunks it is applied; true then.
    /// </summary>
    public bool Enter(int batch, int chunk, int samples, int chunks)
    {
        if (_samples.ContainsKey(batch))
        {
            Doubled(batch, samples);
            return false;
        }
        if (!_partial.TryGetValue(batch, out var entered))
        {
            _partial[batch] = entered = [];
        }
        if (!entered.Add(chunk))
        {
            Doubled(batch, samples);
            return false;
        }
        if (entered.Count < chunks)
        {
            return false;
        }
        _partial.Remove(batch);
        _samples.Add(batch, samples);
        return true;
    }

    /// <summary>Each applied batch's samples (what a checkpoint keeps).</summary>
    public IReadOnlyDictionary<int, int> Samples => _samples;

    /// <summary>A batch applied as a whole: a checkpoint's, which the restored weights hold, or one for a server without trainable chunks.</summary>
    public void AddWhole(int batch, int samples) => _samples.TryAdd(batch, samples);

    /// <summary>Server <paramref name="server"/>'s report for <paramref name="epoch"/> (empty when it is in another epoch).</summary>
    public BatchesApplied Report(int server, int epoch) => epoch == Epoch
        ? new BatchesApplied(server, epoch, _samples.Keys.ToList(), _samples.Values.ToList(), SamplesDoubled)
        : new BatchesApplied(server, epoch, [], []);

    private void Doubled(int batch, int samples)
    {
        if (_doubled.Add(batch))
        {
            SamplesDoubled += samples;
        }
    }
}
