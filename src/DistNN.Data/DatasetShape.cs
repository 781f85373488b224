namespace DistNN.Data;

/// <summary>What the checks of a plan need to know of a training set without its samples: how many, their shape, the classes.</summary>
public sealed record DatasetShape(int Count, int[] SampleShape, int Classes)
{
    public int SampleLength => SampleShape.Aggregate(1, (a, b) => a * b);

    public static DatasetShape Of(Dataset data) => new(data.Count, data.SampleShape, data.Classes);
}
