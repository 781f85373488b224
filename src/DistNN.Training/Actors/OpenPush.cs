using Akka.Actor;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Actors;

/// <summary>
/// A push a server has begun to take (a part of it is in) and not finished: which of its parts and chunks are in,
/// which chunks its gradient has been applied to, and who waits for each part's reply. Its header is the first part's;
/// every other part must repeat it. A part that names a chunk the server does not own or train, a chunk already in,
/// or another part count, is malformed: <see cref="Add"/> throws naming what was wrong.
/// </summary>
internal sealed class OpenPush
{
    private readonly PushGradients _first;
    private readonly ReadOnlyMemory<float>[] _gradients;
    private readonly bool[] _in;
    private readonly bool[] _applied;
    private readonly int[]?[] _partChunks;
    private readonly IActorRef?[] _senders;
    private readonly bool[] _answered;

    /// <param name="counts">Its batch is new here, so its gradient enters the weights (false: applied or under way already, or no samples).</param>
    public OpenPush(PushGradients first, int chunks, bool counts)
    {
        _first = first;
        Counts = counts;
        _gradients = new ReadOnlyMemory<float>[chunks];
        _in = new bool[chunks];
        _applied = new bool[chunks];
        _partChunks = new int[]?[first.Parts];
        _senders = new IActorRef?[first.Parts];
        _answered = new bool[first.Parts];
    }

    public string Worker => _first.Worker;

    public long Step => _first.Step;

    public int BatchId => _first.BatchId;

    public int Samples => _first.Samples;

    public double Progress => _first.Progress;

    public int Parts => _first.Parts;

    public bool Counts { get; }

    /// <summary>Some round this push was in changed the weights (the reply's Applied).</summary>
    public bool Updated { get; set; }

    /// <summary>Its gradient went into at least one chunk's weights.</summary>
    public bool Entered { get; private set; }

    public int ChunksApplied { get; private set; }

    public int PartsIn { get; private set; }

    /// <summary>Every part is in and its gradient went into every trainable chunk.</summary>
    public bool IsFinished(int trainableChunks) => PartsIn == Parts && ChunksApplied == trainableChunks;

    /// <summary>True for a part of this push (same incarnation and step).</summary>
    public bool Matches(PushGradients part) => part.Incarnation == _first.Incarnation && part.Step == _first.Step;

    public bool HasPart(int part) => _partChunks[part] is not null;

    public bool IsAnswered(int part) => _answered[part];

    public bool IsPending(int chunk) => _in[chunk] && !_applied[chunk];

    public ReadOnlySpan<float> Gradient(int chunk) => _gradients[chunk].Span;

    /// <summary>The local chunks part <paramref name="part"/> carried.</summary>
    public int[] ChunksOf(int part) => _partChunks[part]!;

    /// <summary>The last part's reply carries the state (as the last part carried it).</summary>
    public bool CarriesState(int part) => part == Parts - 1;

    public IActorRef SenderOf(int part) => _senders[part]!;

    /// <summary>A repeated part (sent again after its connection dropped): its reply goes to the new sender.</summary>
    public void Resend(int part, IActorRef sender) => _senders[part] = sender;

    /// <summary>
    /// Takes part <paramref name="part"/>.Part; <paramref name="local"/> maps the server's chunk ids to its local indices and
    /// <paramref name="isState"/> says which are state. Throws <see cref="InvalidOperationException"/> for a malformed part.
    /// </summary>
    public void Add(PushGradients part, IActorRef sender, IReadOnlyDictionary<int, int> local, Func<int, bool> isState)
    {
        if (part.Parts != _first.Parts || part.Epoch != _first.Epoch || part.BatchId != _first.BatchId || part.Samples != _first.Samples)
        {
            throw new InvalidOperationException($"push part {part.Part} of {part.Parts} (epoch {part.Epoch}, batch {part.BatchId}, "
                + $"{part.Samples} samples) of worker {Worker}'s step {Step} disagrees with its first part ({_first.Parts} parts, "
                + $"epoch {_first.Epoch}, batch {_first.BatchId}, {_first.Samples} samples)");
        }
        var chunks = new int[part.Gradients.Count];
        for (int k = 0; k < part.Gradients.Count; k++)
        {
            int id = part.Gradients[k].ChunkId;
            if (!local.TryGetValue(id, out int i) || isState(i))
            {
                throw new InvalidOperationException($"push part {part.Part} of {part.Parts} carries a gradient for chunk {id}, which this server does not train");
            }
            if (_in[i])
            {
                throw new InvalidOperationException($"push part {part.Part} of {part.Parts} carries chunk {id} again (worker {Worker}, step {Step})");
            }
            _in[i] = true;
            _gradients[i] = part.Gradients[k].Values;
            chunks[k] = i;
        }
        _partChunks[part.Part] = chunks;
        _senders[part.Part] = sender;
        PartsIn++;
    }

    /// <summary>The first trainable chunk no part carried, once every part is in (-1: none missing or parts still to come).</summary>
    public int Missing(IEnumerable<int> trainable)
    {
        if (PartsIn < Parts)
        {
            return -1;
        }
        foreach (int i in trainable)
        {
            if (!_in[i])
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Chunk <paramref name="chunk"/>'s round is done; <paramref name="entered"/>: this push's gradient went into it.</summary>
    public void MarkApplied(int chunk, bool entered)
    {
        _applied[chunk] = true;
        _gradients[chunk] = default; // the sender's array: not kept past the round
        ChunksApplied++;
        Entered |= entered;
    }

    /// <summary>True when part <paramref name="part"/> is in, not answered yet and every chunk of it applied.</summary>
    public bool IsDue(int part) => _partChunks[part] is { } chunks && !_answered[part] && chunks.All(c => _applied[c]);

    public void MarkAnswered(int part) => _answered[part] = true;
}
