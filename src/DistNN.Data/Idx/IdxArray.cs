namespace DistNN.Data.Idx;

/// <summary>The contents of one IDX file of unsigned bytes: its dimensions (first = item count) and raw values.</summary>
public sealed class IdxArray
{
    public IdxArray(string path, int[] dimensions, byte[] data)
    {
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    public string Path { get; }

    /// <summary>Dimensions as declared in the header, outermost first: [count] for labels, [count, rows, cols] for images.</summary>
    public int[] Dimensions { get; }

    public int Rank => Dimensions.Length;

    /// <summary>Number of items (the first dimension).</summary>
    public int Count => Dimensions[0];

    /// <summary>Values per item: the product of the dimensions after the first.</summary>
    public int ItemLength => Data.Length / Count;

    /// <summary>All values, item after item, row-major.</summary>
    public byte[] Data { get; }
}
