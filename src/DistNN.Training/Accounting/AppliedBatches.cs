using DistNN.Protocol.Messages;

namespace DistNN.Training.Accounting;

/// <summary>
/// The batches a server has applied in its current epoch, with their samples: each batch is applied at most once
/// whoever sends it, and this is what the server reports to the coordinator (<see cref="BatchesApplied"/>).
/// </summary>
internal sealed class AppliedBatches
{
    private readonly Dictionary<int, int> _samples = [];
    private readonly HashSet<int> _inWeights = [];

    public int Epoch { get; private set; }

    /// <summary>Samples of this epoch's batches whose gradient went into the weights more than once (see <see cref="EnteredWeights"/>).</summary>
    public long SamplesDoubled { get; private set; }

    public void StartEpoch(int epoch)
    {
        Epoch = epoch;
        _samples.Clear();
        _inWeights.Clear();
        SamplesDoubled = 0;
    }

    /// <summary>
    /// Counts <paramref name="batch"/>'s gradient entering the weights, where the update happens, apart from the once-only
    /// filter (<see cref="TryAdd"/>): a second entry in the epoch is a batch applied twice.
    /// </summary>
    public void EnteredWeights(int batch, int samples)
    {
        if (!_inWeights.Add(batch))
        {
            SamplesDoubled += samples;
        }
    }

    /// <summary>Each applied batch's samples (what a checkpoint keeps).</summary>
    public IReadOnlyDictionary<int, int> Samples => _samples;

    /// <summary>Records <paramref name="batch"/> as applied; false when it was already.</summary>
    public bool TryAdd(int batch, int samples) => _samples.TryAdd(batch, samples);

    /// <summary>Server <paramref name="server"/>'s report for <paramref name="epoch"/> (empty when it is in another epoch).</summary>
    public BatchesApplied Report(int server, int epoch) => epoch == Epoch
        ? new BatchesApplied(server, epoch, _samples.Keys.ToList(), _samples.Values.ToList(), SamplesDoubled)
        : new BatchesApplied(server, epoch, [], []);
}
