using DistNN.Tensors;

namespace DistNN.Training.Engine;

public static class Metrics
{
    /// <summary>How many rows of <paramref name="output"/> have their largest value at the sample's label.</summary>
    public static int CountCorrect(Tensor output, int[] labels, ReadOnlySpan<int> indices)
    {
        int classes = output.RowLength;
        var o = output.Span;
        int correct = 0;
        for (int r = 0; r < indices.Length; r++)
        {
            var row = o.Slice(r * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }
            if (best == labels[indices[r]])
            {
                correct++;
            }
        }
        return correct;
    }
}
