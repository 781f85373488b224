using System.Buffers;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// A piece of the flat parameter (or gradient) vector on its way between a worker and a parameter server.
/// A dense chunk holds all <see cref="ElementCount"/> values and is compressed on the wire as its
/// <see cref="Encoding"/> says; a sparse chunk (made by <see cref="TopKCompressor"/>) holds only the sent
/// (index, value) pairs. Decoding always yields a dense chunk whose values live in a pooled array:
/// <see cref="Dispose"/> returns it (forgetting to is safe, only slower).
/// </summary>
public sealed class TensorChunk : IDisposable
{
    private float[]? _pooled;

    private TensorChunk(TensorChunkHeader header, TensorEncoding encoding, ReadOnlyMemory<float> values,
        ReadOnlyMemory<int> indices, float[]? pooled, bool sparse = false)
    {
        IsSparse = sparse;
        Header = header;
        Encoding = encoding;
        Values = values;
        Indices = indices;
        _pooled = pooled;
    }

    public TensorChunkHeader Header { get; }

    public int ParameterIndex => Header.ParameterIndex;

    public string Name => Header.Name;

    public long Offset => Header.Offset;

    public ReadOnlySpan<int> Shape => Header.Shape;

    public int ElementCount => Header.ElementCount;

    /// <summary>How the chunk travels (for a decoded chunk: how it travelled).</summary>
    public TensorEncoding Encoding { get; }

    /// <summary>Dense values (length = <see cref="ElementCount"/>), or the sent values of a sparse chunk.</summary>
    public ReadOnlyMemory<float> Values { get; private set; }

    /// <summary>Ascending element positions of a sparse chunk's values; empty for a dense chunk.</summary>
    public ReadOnlyMemory<int> Indices { get; }

    /// <summary>True for a top-k chunk made by the compressor; decoded chunks are always dense.</summary>
    public bool IsSparse { get; }

    /// <summary>A dense chunk over <paramref name="values"/> (not copied; keep it unchanged until sent).</summary>
    public static TensorChunk Dense(TensorChunkHeader header, ReadOnlyMemory<float> values,
        TensorEncoding encoding = TensorEncoding.None)
    {
        if (encoding == TensorEncoding.TopK)
        {
            throw new ArgumentException(
                "a top-k chunk comes from TopKCompressor.Compress, which keeps the residual", nameof(encoding));
        }
        if (!Enum.IsDefined(encoding))
        {
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "unknown tensor encoding");
        }
        if (values.Length != header.ElementCount)
        {
            throw new ArgumentException(
                $"chunk '{header.Name}' of shape [{header.ShapeString}] needs {header.ElementCount} values, got {values.Length}",
                nameof(values));
        }
        return new TensorChunk(header, encoding, values, default, null);
    }

    /// <summary>A top-k chunk: values at ascending, distinct <paramref name="indices"/>; every other element is zero.</summary>
    public static TensorChunk Sparse(TensorChunkHeader header, ReadOnlyMemory<int> indices, ReadOnlyMemory<float> values)
    {
        if (indices.Length != values.Length)
        {
            throw new ArgumentException($"{indices.Length} indices but {values.Length} values", nameof(values));
        }
        if (indices.Length > header.ElementCount)
        {
            throw new ArgumentException(
                $"{indices.Length} sparse values exceed the chunk's {header.ElementCount} elements", nameof(indices));
        }
        return new TensorChunk(header, TensorEncoding.TopK, values, indices, null, sparse: true);
    }

    /// <summary>A decoded dense chunk whose values live in an array rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
    internal static TensorChunk Pooled(TensorChunkHeader header, TensorEncoding encoding, float[] pooled, int length) =>
        new(header, encoding, new ReadOnlyMemory<float>(pooled, 0, length), default, pooled);

    /// <summary>Writes the dense values into <paramref name="destination"/> (zeros where a sparse chunk sends nothing).</summary>
    public void CopyDenseTo(Span<float> destination)
    {
        if (destination.Length < ElementCount)
        {
            throw new ArgumentException($"destination has {destination.Length} elements, the chunk {ElementCount}",
                nameof(destination));
        }
        if (!IsSparse)
        {
            Values.Span.CopyTo(destination);
            return;
        }
        destination[..ElementCount].Clear();
        ReadOnlySpan<int> indices = Indices.Span;
        ReadOnlySpan<float> values = Values.Span;
        for (int i = 0; i < indices.Length; i++)
        {
            destination[indices[i]] = values[i];
        }
    }

    public void Dispose()
    {
        float[]? pooled = Interlocked.Exchange(ref _pooled, null);
        if (pooled is not null)
        {
            Values = default;
            ArrayPool<float>.Shared.Return(pooled);
        }
    }

    public override string ToString() =>
        $"{Name}#{ParameterIndex} [{Header.ShapeString}] @{Offset} {Encoding}{(IsSparse ? $" k={Indices.Length}" : "")}";
}
