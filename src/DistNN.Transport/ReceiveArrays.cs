namespace DistNN.Transport;

/// <summary>
/// The arrays that tensor messages from one sender are read into, reused instead of allocated for every message
/// (a model's chunk is large enough for the large-object heap, where fresh arrays per message force full collections;
/// docs/performance.md). Two sets alternate, message by message. That is safe because of the
/// push-pull protocol: a worker sends its next push only after the reply to its last one, and a server is done with a
/// push's gradients when it replies; a worker computes with a reply's weights only until it pushes again. So when
/// message k+2 overwrites the set of message k, its receiver has long finished with it.
/// Used from one thread at a time (a connection's receive loop).
/// </summary>
internal sealed class ReceiveArrays
{
    private readonly Dictionary<(int Chunk, int Length), float[][]> _arrays = [];
    private int _set;

    /// <summary>Call once per message, before reading it, so the message gets the other set.</summary>
    public Func<int, int, float[]> NextMessage()
    {
        _set ^= 1;
        return Get;
    }

    private float[] Get(int chunk, int length)
    {
        if (!_arrays.TryGetValue((chunk, length), out float[][]? sets))
        {
            sets = [GC.AllocateUninitializedArray<float>(length), GC.AllocateUninitializedArray<float>(length)];
            _arrays[(chunk, length)] = sets;
        }
        return sets[_set];
    }
}
