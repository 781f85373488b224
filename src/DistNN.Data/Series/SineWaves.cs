namespace DistNN.Data.Series;

/// <summary>Sine-wave sequences: a plain series for the reservoir, and a labelled set for recurrent classifiers.</summary>
public static class SineWaves
{
    /// <summary>y(n) = amplitude · sin(2π·n / period + phase), n = 0 … length − 1.</summary>
    public static double[] Series(int length, double period, double phase = 0, double amplitude = 1)
    {
        if (length < 0 || !(period > 0))
        {
            throw new ArgumentException($"a sine series needs length ≥ 0 and period > 0 (got {length}, {period})");
        }
        var y = new double[length];
        for (int n = 0; n < length; n++)
        {
            y[n] = amplitude * Math.Sin(2 * Math.PI * n / period + phase);
        }
        return y;
    }

    /// <summary>
    /// <paramref name="count"/> sequences of shape [time, 1]; class c is a sine of period <c>basePeriod · (c + 1)</c>
    /// steps with random phase, amplitude in [0.5, 1] and uniform noise of ±<paramref name="noise"/>.
    /// </summary>
    public static Dataset Classification(int count, int time, int classes, int seed, double basePeriod = 4, double noise = 0.1)
    {
        if (count <= 0 || time <= 0 || classes < 2)
        {
            throw new ArgumentException($"a sine-wave set needs count > 0, time > 0 and at least 2 classes (got {count}, {time}, {classes})");
        }
        var rng = new Random(seed);
        var features = new float[count * time];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int c = rng.Next(classes);
            labels[i] = c;
            double period = basePeriod * (c + 1);
            double phase = rng.NextDouble() * 2 * Math.PI;
            double amplitude = 0.5 + 0.5 * rng.NextDouble();
            for (int n = 0; n < time; n++)
            {
                double v = amplitude * Math.Sin(2 * Math.PI * n / period + phase) + noise * (rng.NextDouble() * 2 - 1);
                features[i * time + n] = (float)v;
            }
        }
        return new Dataset("sine-waves", features, [time, 1], labels, classes);
    }
}
