using DistNN.Protocol.Ownership;

namespace DistNN.Transport;

/// <summary>
/// The arrays that tensor messages from one sender are read into, reused instead of allocated for every message (a
/// fresh 1.69 MB array each time lands on the large-object heap). Two sets alternate, message by message, each under a
/// <see cref="Lease"/> of its own: reading message k+2 into set k ends message k's loan, so a receiver that kept
/// message k's values past message k+2 fails on <see cref="Loan.EnsureValid"/> instead of reading other values. The
/// push-pull protocol keeps within that: a worker sends its next push only after the reply to its last one, a server is
/// done with a push's gradients when it replies, and a worker computes with a reply's weights only until it pushes again.
/// Used from one thread at a time (a connection's receive thread, an assembler, a replying server).
/// </summary>
public sealed class ReceiveArrays : IValueArrays
{
    private readonly Dictionary<(int Chunk, int Length), float[][]> _arrays = [];
    private readonly Lease[] _leases;
    private int _set;

    public ReceiveArrays(string owner = "the transport's receive arrays")
    {
        _leases = [new Lease($"{owner} (set 0)"), new Lease($"{owner} (set 1)")];
    }

    /// <summary>The loan of the message read last.</summary>
    public Loan Loan => _leases[_set].Current;

    /// <summary>Call once per message, before reading it: the message gets the other set, whose last message's loan ends.</summary>
    public IValueArrays NextMessage()
    {
        _set ^= 1;
        _leases[_set].BeginWrite();
        return this;
    }

    public float[] Get(int chunk, int length)
    {
        if (!_arrays.TryGetValue((chunk, length), out float[][]? sets))
        {
            sets = [GC.AllocateUninitializedArray<float>(length), GC.AllocateUninitializedArray<float>(length)];
            _arrays[(chunk, length)] = sets;
        }
        return sets[_set];
    }
}
