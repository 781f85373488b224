using DistNN.Protocol.Ownership;

namespace DistNN.Transport;

/// <summary>
/// The arrays that tensor messages from one sender are read into, reused instead of allocated for every message (a
/// fresh 1.69 MB array each time lands on the large-object heap). Each chunk has two arrays that alternate, message by
/// message that carries the chunk, each under a <see cref="Lease"/> of its own: reading the chunk of message k+2 (the
/// second message after k to carry it) into its array ends message k's loan of it, so a receiver that kept message k's
/// values past then fails on <see cref="Loan.EnsureValid"/> instead of reading other values. Per chunk, so that the parts
/// of one push (each with other chunks) do not end each other's loans. The push-pull protocol keeps within that: a
/// worker sends a chunk's next gradient only after the reply to its last one, a server is done with a push part's
/// gradients when it replies, and a worker computes with a reply's weights only until it pushes them again.
/// Used from one thread at a time (a connection's receive thread, an assembler, a replying server).
/// </summary>
public sealed class ReceiveArrays : IValueArrays
{
    private readonly Dictionary<(int Chunk, int Length), Slot> _slots = [];
    private readonly string _owner;
    private readonly Lease _none;
    private long _message;
    private Slot? _last;

    public ReceiveArrays(string owner = "the transport's receive arrays")
    {
        _owner = owner;
        _none = new Lease($"{owner} (no chunk)");
    }

    /// <summary>The loan of the chunk read last (its message's values of that chunk).</summary>
    public Loan Loan => _last is { } slot ? slot.Leases[slot.Set].Current : _none.Current;

    /// <summary>Call once per message, before reading it: each chunk it carries gets that chunk's other array.</summary>
    public IValueArrays NextMessage()
    {
        _message++;
        _last = null;
        return this;
    }

    public float[] Get(int chunk, int length)
    {
        if (!_slots.TryGetValue((chunk, length), out Slot? slot))
        {
            slot = new Slot(
                [GC.AllocateUninitializedArray<float>(length), GC.AllocateUninitializedArray<float>(length)],
                [new Lease($"{_owner} (chunk {chunk}, set 0)"), new Lease($"{_owner} (chunk {chunk}, set 1)")]);
            _slots[(chunk, length)] = slot;
        }
        if (slot.Message != _message)
        {
            // The first read of this chunk in this message: the other array, whose message's loan ends.
            slot.Message = _message;
            slot.Set ^= 1;
            slot.Leases[slot.Set].BeginWrite();
        }
        _last = slot;
        return slot.Sets[slot.Set];
    }

    private sealed class Slot(float[][] sets, Lease[] leases)
    {
        public float[][] Sets { get; } = sets;

        public Lease[] Leases { get; } = leases;

        public int Set { get; set; } = 1;

        public long Message { get; set; } = -1;
    }
}
