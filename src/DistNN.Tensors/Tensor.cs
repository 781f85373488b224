using System.Runtime.CompilerServices;

namespace DistNN.Tensors;

/// <summary>
/// A dense float32 tensor in contiguous row-major order. The backing array may be longer
/// than <see cref="Length"/> so that a buffer can be reshaped to a smaller batch without allocating.
/// </summary>
public sealed class Tensor
{
    private float[] _data;
    private int[] _shape;

    public Tensor(params int[] shape)
    {
        _shape = (int[])shape.Clone();
        Length = CheckedVolume(_shape);
        _data = Length == 0 ? [] : new float[Length];
    }

    public Tensor(float[] data, params int[] shape)
    {
        _shape = (int[])shape.Clone();
        Length = CheckedVolume(_shape);
        if (data.Length < Length)
        {
            throw new ArgumentException($"data has {data.Length} elements, shape [{string.Join(",", shape)}] needs {Length}");
        }
        _data = data;
    }

    /// <summary>The shape; do not mutate the returned array.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    public int Rank => _shape.Length;

    public int Length { get; private set; }

    /// <summary>The backing array; elements past <see cref="Length"/> are unused capacity.</summary>
    public float[] Data => _data;

    public Span<float> Span
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_data, 0, Length);
    }

    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>First dimension (the batch for activations).</summary>
    public int Rows => _shape[0];

    /// <summary>Elements per row: Length / Rows.</summary>
    public int RowLength => _shape.Length == 0 || _shape[0] == 0 ? 0 : Length / _shape[0];

    public ref float this[int index] => ref _data[index];

    /// <summary>
    /// Gives the tensor a new shape, reusing the backing array when it is large enough.
    /// Allocates only when the shape changes (the shape array) or grows past capacity (the data).
    /// Contents are kept up to min(old, new) length; callers that need zeros must clear.
    /// </summary>
    public Tensor Resize(params ReadOnlySpan<int> shape)
    {
        if (shape.SequenceEqual(_shape))
        {
            return this;
        }
        int length = CheckedVolume(shape);
        if (length > _data.Length)
        {
            Array.Resize(ref _data, length);
        }
        _shape = shape.ToArray();
        Length = length;
        return this;
    }

    /// <summary>Makes sure <paramref name="tensor"/> exists with this shape; allocates only the first time or on growth.</summary>
    public static Tensor Ensure(ref Tensor? tensor, params ReadOnlySpan<int> shape)
    {
        if (tensor is null)
        {
            tensor = new Tensor(shape.ToArray());
            return tensor;
        }
        return tensor.Resize(shape);
    }

    /// <summary>A view with another shape over the same data (no copy).</summary>
    public Tensor View(params int[] shape)
    {
        int length = CheckedVolume(shape);
        if (length != Length)
        {
            throw new ArgumentException($"cannot view [{string.Join(",", _shape)}] as [{string.Join(",", shape)}]");
        }
        return new Tensor(_data, shape);
    }

    /// <summary>
    /// Makes <paramref name="data"/> this tensor's storage, without copying. For handing over weights inside one
    /// process: the caller guarantees that nobody writes the array while this tensor is read.
    /// </summary>
    public void UseStorage(float[] data)
    {
        if (data.Length < Length)
        {
            throw new ArgumentException($"storage of {data.Length} floats is too small for [{ShapeString}]");
        }
        _data = data;
    }

    public Tensor Clone()
    {
        var copy = new Tensor(_shape);
        Span.CopyTo(copy.Span);
        return copy;
    }

    public void Clear() => Span.Clear();

    public void Fill(float value) => Span.Fill(value);

    public void CopyFrom(Tensor other)
    {
        if (!other.Shape.SequenceEqual(_shape))
        {
            throw new ArgumentException($"shape [{other.ShapeString}] does not match [{ShapeString}]");
        }
        other.Span.CopyTo(Span);
    }

    public string ShapeString => string.Join("×", _shape);

    public override string ToString() => $"Tensor[{ShapeString}]";

    private static int CheckedVolume(ReadOnlySpan<int> shape)
    {
        long volume = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension in shape [{string.Join(",", shape.ToArray())}]");
            }
            volume *= d;
            if (volume > Array.MaxLength)
            {
                throw new ArgumentException($"shape [{string.Join(",", shape.ToArray())}] is too large");
            }
        }
        return (int)volume;
    }
}
