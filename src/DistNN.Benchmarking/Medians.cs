namespace DistNN.Benchmarking;

/// <summary>The median every bench reports: the middle value, or the mean of the two middle ones.</summary>
public static class Medians
{
    public static double Of(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int h = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
    }
}
