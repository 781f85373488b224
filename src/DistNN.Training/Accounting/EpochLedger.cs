using DistNN.Protocol.Messages;

namespace DistNN.Training.Accounting;

/// <summary>
/// One epoch at the coordinator: which worker holds each batch, which batches workers have finished, and which every
/// server has applied by the servers' own reports. A batch counts as applied only when every server reports it; the
/// epoch is over only when every batch is.
/// </summary>
internal sealed class EpochLedger
{
    private readonly int _trainCount;
    private readonly int _batchSize;
    private readonly string?[] _owner;
    private readonly bool[] _finished;
    private readonly bool[] _counted;
    private readonly int[] _refusals;
    private readonly Dictionary<int, int>?[] _reports;
    private readonly long[] _doubled;
    private int _finishedCount;
    private int _reportsIn;
    private int _lastUnapplied = int.MaxValue;

    public EpochLedger(int epoch, int trainCount, int batchSize, int servers)
    {
        Epoch = epoch;
        _trainCount = trainCount;
        _batchSize = batchSize;
        int batches = trainCount == 0 ? 0 : (trainCount + batchSize - 1) / batchSize;
        _owner = new string?[batches];
        _finished = new bool[batches];
        _counted = new bool[batches];
        _refusals = new int[batches];
        _reports = new Dictionary<int, int>?[servers];
        _doubled = new long[servers];
    }

    public int Epoch { get; }

    public int Batches => _owner.Length;

    /// <summary>Batches reported finished by a worker (since they were last dealt).</summary>
    public int Finished => _finishedCount;

    /// <summary>Every batch has been reported finished by a worker (since it was last dealt).</summary>
    public bool AllFinished => _finishedCount == Batches;

    public bool Contains(int epoch, int batch) => epoch == Epoch && batch >= 0 && batch < Batches;

    public string? OwnerOf(int batch) => _owner[batch];

    public bool IsFinished(int batch) => _finished[batch];

    public void Deal(int batch, string worker) => _owner[batch] = worker;

    /// <summary>The batches <paramref name="worker"/> holds and has not finished.</summary>
    public List<int> Unfinished(string worker) =>
        Enumerable.Range(0, Batches).Where(b => _owner[b] == worker && !_finished[b]).ToList();

    /// <summary>A worker finished <paramref name="batch"/>; true the first time, when its loss and samples count.</summary>
    public bool Finish(int batch)
    {
        _finished[batch] = true;
        _finishedCount++;
        bool first = !_counted[batch];
        _counted[batch] = true;
        return first;
    }

    /// <summary>A server refused <paramref name="batch"/>'s push: how many times it has been refused this epoch.</summary>
    public int Refuse(int batch) => ++_refusals[batch];

    /// <summary>Waits for every server's report again (the ones before are of batches dealt since).</summary>
    public void ExpectReports()
    {
        Array.Clear(_reports);
        Array.Clear(_doubled);
        _reportsIn = 0;
    }

    /// <summary>Takes a server's report; true once every server's is in.</summary>
    public bool Report(BatchesApplied report)
    {
        if (report.Epoch != Epoch || report.Server < 0 || report.Server >= _reports.Length || _reports[report.Server] is not null)
        {
            return false;
        }
        var applied = new Dictionary<int, int>(report.BatchIds.Count);
        for (int i = 0; i < report.BatchIds.Count && i < report.Samples.Count; i++)
        {
            applied[report.BatchIds[i]] = report.Samples[i];
        }
        _reports[report.Server] = applied;
        _doubled[report.Server] = report.SamplesDoubled;
        return ++_reportsIn == _reports.Length;
    }

    /// <summary>The batches some server has not applied, by the reports.</summary>
    public List<int> Unapplied() =>
        Enumerable.Range(0, Batches).Where(b => _reports.Any(r => r is null || !r.ContainsKey(b))).ToList();

    /// <summary>Samples the servers applied more than once this epoch, summed over the servers' reports.</summary>
    public long SamplesDoubled() => _doubled.Sum();

    /// <summary>Samples applied by every server, as the servers counted them (a batch's smallest count among them).</summary>
    public long SamplesApplied() => _reports.Length == 0 ? 0 :
        Enumerable.Range(0, Batches).Sum(b => (long)_reports.Min(r => r is not null && r.TryGetValue(b, out int n) ? n : 0));

    /// <summary>
    /// Opens <paramref name="unapplied"/> batches to be dealt again; false when that would not help: fewer were missing
    /// at the last check than now.
    /// </summary>
    public bool Reopen(IReadOnlyList<int> unapplied)
    {
        if (unapplied.Count >= _lastUnapplied)
        {
            return false;
        }
        _lastUnapplied = unapplied.Count;
        foreach (int b in unapplied)
        {
            _finished[b] = false;
            _finishedCount--;
        }
        return true;
    }

    /// <summary>What the servers did not apply, for the user: how many samples, which batches and which servers lack them.</summary>
    public string Shortfall(IReadOnlyList<int> unapplied)
    {
        long applied = SamplesApplied();
        var lacking = Enumerable.Range(0, _reports.Length)
            .Select(s => (Server: s, Batches: unapplied.Where(b => _reports[s] is not { } r || !r.ContainsKey(b)).ToList()))
            .Where(s => s.Batches.Count > 0)
            .Select(s => $"server {s.Server} lacks {s.Batches.Count} ({string.Join(", ", s.Batches.Take(8))}{(s.Batches.Count > 8 ? ", …" : "")})");
        string reason = $"epoch {Epoch}: the servers applied {applied} of {_trainCount} samples";
        return unapplied.Count == 0 ? reason : reason + $"; {unapplied.Count} of {Batches} batches ({unapplied.Sum(SamplesOf)} samples) "
            + $"were never applied by every server: {string.Join("; ", lacking)}";
    }

    private long SamplesOf(int batch) => Math.Min(_batchSize, _trainCount - (long)batch * _batchSize);
}
