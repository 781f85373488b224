namespace DistNN.Data;

/// <summary>
/// Labelled samples held in memory: features as one flat float array (sample after sample, each of
/// <see cref="SampleShape"/>, already scaled), and integer class labels.
/// </summary>
public sealed class Dataset
{
    public Dataset(string name, float[] features, int[] sampleShape, int[] labels, int classes)
    {
        SampleLength = sampleShape.Aggregate(1, (a, b) => a * b);
        if (SampleLength <= 0 || features.Length != (long)labels.Length * SampleLength)
        {
            throw new ArgumentException($"{name}: {features.Length} feature values do not make {labels.Length} samples of shape [{string.Join(",", sampleShape)}]");
        }
        foreach (int label in labels)
        {
            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentException($"{name}: label {label} is outside 0..{classes - 1}");
            }
        }
        Name = name;
        Features = features;
        SampleShape = sampleShape;
        Labels = labels;
        Classes = classes;
    }

    public string Name { get; }

    public float[] Features { get; }

    public int[] SampleShape { get; }

    public int SampleLength { get; }

    public int[] Labels { get; }

    public int Classes { get; }

    public int Count => Labels.Length;

    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(index * SampleLength, SampleLength);

    /// <summary>The first <paramref name="count"/> samples (a copy).</summary>
    public Dataset Take(int count)
    {
        count = Math.Min(count, Count);
        return new Dataset(Name, Features.AsSpan(0, count * SampleLength).ToArray(), SampleShape, Labels.AsSpan(0, count).ToArray(), Classes);
    }

    /// <summary>
    /// Copies the samples at <paramref name="indices"/> into <paramref name="inputs"/> (batch × sample shape) and
    /// their one-hot labels into <paramref name="targets"/> (batch × classes), resizing both without reallocating when they fit.
    /// </summary>
    public void FillBatch(ReadOnlySpan<int> indices, Tensor inputs, Tensor targets)
    {
        int batch = indices.Length;
        Span<int> shape = stackalloc int[SampleShape.Length + 1];
        shape[0] = batch;
        SampleShape.CopyTo(shape[1..]);
        inputs.Resize(shape);
        targets.Resize(batch, Classes);
        var x = inputs.Span;
        var y = targets.Span;
        y.Clear();
        for (int i = 0; i < batch; i++)
        {
            int s = indices[i];
            Features.AsSpan(s * SampleLength, SampleLength).CopyTo(x.Slice(i * SampleLength, SampleLength));
            y[i * Classes + Labels[s]] = 1f;
        }
    }
}
