using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// Top-k sparsification with error feedback (Stich et al. 2018, https://arxiv.org/abs/1809.07599), one per worker.
/// Per chunk (keyed by its id) it keeps a residual r: a = g + r; send the k = ⌈fraction · n⌉
/// elements of a with the largest magnitudes; r ← a − sent (zero where sent, a elsewhere), so nothing is lost, only
/// delayed. Exactly k elements are sent; among equal magnitudes the lower index wins, and NaN ranks above ±Inf, so
/// the choice is deterministic and a diverging gradient is sent rather than hidden in the residual.
/// Not thread-safe: one compressor per worker.
/// </summary>
public sealed class TopKCompressor
{
    private const uint MagnitudeMask = 0x7FFF_FFFF;

    private readonly Dictionary<long, ChunkState> _chunks = [];
    private const int Buckets = 1 << 12;

    private readonly int[] _histogram = new int[4 * Buckets];

    public TopKCompressor(double fraction)
    {
        Compression = Compression.TopK(fraction);
    }

    public Compression Compression { get; }

    /// <summary>
    /// Adds <paramref name="gradient"/> to the residual of chunk <paramref name="chunk"/> and returns the k largest
    /// magnitudes as top-k <see cref="EncodedValues"/> (ascending int32 indices, float32 values). The bytes belong to the
    /// compressor and stay valid until the next call for the same chunk.
    /// </summary>
    public EncodedValues Compress(long chunk, ReadOnlySpan<float> gradient)
    {
        int n = gradient.Length;
        ChunkState state = StateFor(chunk, n);
        Span<float> accumulated = state.Residual;
        if (state.Fresh)
        {
            gradient.CopyTo(accumulated);
            state.Fresh = false;
        }
        else
        {
            TensorPrimitives.Add(accumulated, gradient, accumulated);
        }

        int k = Compression.TopKCount(n);
        int sent = k == 0 ? 0 : Select(accumulated, k, MemoryMarshal.Cast<byte, int>(state.Indices.AsSpan()),
            MemoryMarshal.Cast<byte, float>(state.Values.AsSpan()));
        return new EncodedValues(TensorEncoding.TopK, n, 0f, state.Indices.AsMemory(0, sizeof(int) * sent),
            state.Values.AsMemory(0, sizeof(float) * sent));
    }

    /// <summary>What chunk <paramref name="chunk"/> still owes the server (empty before its first push).</summary>
    public ReadOnlySpan<float> ResidualOf(long chunk) =>
        _chunks.TryGetValue(chunk, out ChunkState? s) && !s.Fresh ? s.Residual : [];

    /// <summary>Forgets every residual (after a restart from a checkpoint the old residuals no longer apply).</summary>
    public void Reset() => _chunks.Clear();

    private ChunkState StateFor(long chunk, int n)
    {
        if (!_chunks.TryGetValue(chunk, out ChunkState? state))
        {
            int k = Compression.TopKCount(n);
            state = new ChunkState(new float[n], new byte[sizeof(int) * k], new byte[sizeof(float) * k]);
            _chunks[chunk] = state;
        }
        else if (state.Residual.Length != n)
        {
            throw new ArgumentException(
                $"chunk {chunk} had {state.Residual.Length} elements and now has {n}");
        }
        return state;
    }

    /// <summary>
    /// Moves the k largest-magnitude elements of <paramref name="accumulated"/> (ascending indices) into the outputs
    /// and zeroes them there. Magnitude order equals the order of the float bits without the sign (NaN above Inf), so a
    /// radix select over the 31-bit key (digits of 12, 12 and 7 bits) finds the k-th largest key T in O(n); then all
    /// keys above T are taken, and the lowest-indexed keys equal to T fill up to exactly k.
    /// </summary>
    private int Select(Span<float> accumulated, int k, Span<int> indices, Span<float> values)
    {
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(accumulated);
        Span<int> histogram = _histogram;
        int above = 0;

        // First digit (exponent and 4 mantissa bits) into four interleaved histograms, so that runs of similar
        // magnitudes do not serialise on one counter.
        histogram.Clear();
        int i = 0;
        for (; i <= bits.Length - 4; i += 4)
        {
            histogram[(int)((bits[i] & MagnitudeMask) >> 19)]++;
            histogram[Buckets + (int)((bits[i + 1] & MagnitudeMask) >> 19)]++;
            histogram[2 * Buckets + (int)((bits[i + 2] & MagnitudeMask) >> 19)]++;
            histogram[3 * Buckets + (int)((bits[i + 3] & MagnitudeMask) >> 19)]++;
        }
        for (; i < bits.Length; i++)
        {
            histogram[(int)((bits[i] & MagnitudeMask) >> 19)]++;
        }
        for (int b = 0; b < Buckets; b++)
        {
            histogram[b] += histogram[Buckets + b] + histogram[2 * Buckets + b] + histogram[3 * Buckets + b];
        }
        uint prefix = (uint)Digit(histogram[..Buckets], k, ref above);

        // Second and third digits, counted only over keys that share the prefix found so far.
        prefix = (prefix << 12) | (uint)RefineDigit(bits, histogram, prefixShift: 19, digitShift: 7, digitBits: 12, prefix, k, ref above);
        uint threshold = (prefix << 7) | (uint)RefineDigit(bits, histogram, prefixShift: 7, digitShift: 0, digitBits: 7, prefix, k, ref above);
        int ties = k - above;

        // Only ~fraction of the register-sized blocks hold a key ≥ T; the rest are skipped a register at a time.
        var take = new Taker(accumulated, threshold, ties, indices, values);
        KeyBlocks.Visit(bits, threshold, MagnitudeMask, ref take);
        return take.Sent;
    }

    private static int RefineDigit(ReadOnlySpan<uint> bits, Span<int> histogram, int prefixShift, int digitShift,
        int digitBits, uint prefix, int k, ref int above)
    {
        Span<int> counts = histogram[..(1 << digitBits)];
        counts.Clear();
        uint mask = (1u << digitBits) - 1;
        uint low = prefix << prefixShift;
        uint high = low | ((1u << prefixShift) - 1);
        // Keys sharing the prefix lie in [low, high]; most register-sized blocks hold none.
        var counter = new Counter(bits, counts, low, high, digitShift, mask);
        KeyBlocks.Visit(bits, low, high, ref counter);
        return Digit(counts, k, ref above);
    }

    /// <summary>Counts the digits of the keys in [low, high] of each block it visits.</summary>
    private readonly ref struct Counter(ReadOnlySpan<uint> bits, Span<int> counts, uint low, uint high, int digitShift, uint mask)
        : IKeyBlockVisitor
    {
        private readonly ReadOnlySpan<uint> _bits = bits;
        private readonly Span<int> _counts = counts;

        public void Visit(int start, int end)
        {
            foreach (uint b in _bits[start..end])
            {
                uint key = b & MagnitudeMask;
                if (key >= low && key <= high)
                {
                    _counts[(int)((key >> digitShift) & mask)]++;
                }
            }
        }
    }

    /// <summary>Takes the elements of each visited block whose key is above T, or equal to T while ties remain.</summary>
    private ref struct Taker(Span<float> accumulated, uint threshold, int ties, Span<int> indices, Span<float> values)
        : IKeyBlockVisitor
    {
        private readonly Span<float> _accumulated = accumulated;
        private readonly Span<int> _indices = indices;
        private readonly Span<float> _values = values;
        private int _ties = ties;

        public int Sent { get; private set; }

        public void Visit(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                uint key = BitConverter.SingleToUInt32Bits(_accumulated[i]) & MagnitudeMask;
                if (key > threshold || (key == threshold && _ties-- > 0))
                {
                    _indices[Sent] = i;
                    _values[Sent] = _accumulated[i];
                    _accumulated[i] = 0f;
                    Sent++;
                }
            }
        }
    }

    /// <summary>The highest digit at which the count of larger keys reaches k; adds the counts above it to <paramref name="above"/>.</summary>
    private static int Digit(ReadOnlySpan<int> counts, int k, ref int above)
    {
        int digit = counts.Length - 1;
        while (above + counts[digit] < k)
        {
            above += counts[digit];
            digit--;
        }
        return digit;
    }

    private sealed class ChunkState(float[] residual, byte[] indices, byte[] values)
    {
        public float[] Residual { get; } = residual;

        /// <summary>The sent indices as little-endian int32 bytes.</summary>
        public byte[] Indices { get; } = indices;

        /// <summary>The sent values as little-endian float32 bytes.</summary>
        public byte[] Values { get; } = values;

        public bool Fresh { get; set; } = true;
    }
}
