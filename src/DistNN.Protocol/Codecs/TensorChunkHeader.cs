namespace DistNN.Protocol.Codecs;

/// <summary>
/// Where a chunk belongs: the parameter it is part of (index and name in the model's flat parameter list),
/// its offset in elements into the flat parameter vector, and its shape (row-major; volume = element count).
/// </summary>
public readonly record struct TensorChunkHeader(int ParameterIndex, string Name, long Offset, int[] Shape)
{
    public int ElementCount
    {
        get
        {
            long volume = 1;
            foreach (int d in Shape)
            {
                volume *= d;
            }
            return checked((int)volume);
        }
    }

    public string ShapeString => string.Join("×", Shape);
}
