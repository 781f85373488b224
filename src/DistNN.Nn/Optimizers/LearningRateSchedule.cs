using System.Globalization;

namespace DistNN.Nn.Optimizers;

/// <summary>
/// The learning rate as a function of training time: lr = base · Factor(epoch, progress), with epoch counting from 0
/// and progress the fraction of the whole run done (0 at the start, 1 at the end).
/// <list type="bullet">
/// <item>"constant": factor 1.</item>
/// <item>"step:γ@k": multiply by γ every k epochs, factor = γ^⌊epoch / k⌋ ("step:0.5@2").</item>
/// <item>"cosine" or "cosine:m": cosine annealing (Loshchilov &amp; Hutter 2017, https://arxiv.org/abs/1608.03983) from 1
/// down to m (default 0): factor = m + (1 − m)·½(1 + cos π·progress).</item>
/// </list>
/// </summary>
public abstract class LearningRateSchedule
{
    public abstract string Name { get; }

    public abstract double Factor(int epoch, double progress);

    public float LearningRate(float baseRate, int epoch, double progress) => (float)(baseRate * Factor(epoch, progress));

    public static LearningRateSchedule Constant { get; } = new ConstantSchedule();

    public static LearningRateSchedule Create(string? spec)
    {
        string text = (spec ?? "constant").Trim().ToLowerInvariant();
        if (text is "" or "constant" or "none")
        {
            return Constant;
        }
        if (text == "cosine")
        {
            return new CosineSchedule(0);
        }
        if (text.StartsWith("cosine:", StringComparison.Ordinal))
        {
            return Cosine(Number(text["cosine:".Length..], spec!));
        }
        if (text.StartsWith("step:", StringComparison.Ordinal))
        {
            var parts = text["step:".Length..].Split('@');
            if (parts.Length != 2)
            {
                throw new ArgumentException($"learning-rate schedule '{spec}': write step:γ@k, e.g. step:0.5@2 (halve every 2 epochs)");
            }
            double every = Number(parts[1], spec!);
            if (every != Math.Floor(every) || every is < 1 or > int.MaxValue)
            {
                throw new ArgumentException($"learning-rate schedule '{spec}': k must be a whole number of epochs ≥ 1");
            }
            return Step(Number(parts[0], spec!), (int)every);
        }
        throw new ArgumentException($"unknown learning-rate schedule '{spec}' (known: constant, step:γ@k, cosine, cosine:final_factor)");
    }

    /// <summary>Multiply by <paramref name="gamma"/> (positive) every <paramref name="every"/> (≥ 1) epochs.</summary>
    public static StepSchedule Step(double gamma, int every)
    {
        if (!(gamma > 0) || !double.IsFinite(gamma) || every < 1)
        {
            throw new ArgumentException($"learning-rate schedule step:{gamma}@{every}: γ must be positive and k a whole number of epochs ≥ 1");
        }
        return new StepSchedule(gamma, every);
    }

    /// <summary>Cosine annealing from 1 down to <paramref name="floor"/>, in [0, 1].</summary>
    public static CosineSchedule Cosine(double floor)
    {
        if (!(floor is >= 0 and <= 1))
        {
            throw new ArgumentException($"learning-rate schedule cosine:{floor}: the final factor must be in [0, 1]");
        }
        return new CosineSchedule(floor);
    }

    private static double Number(string text, string spec) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw new ArgumentException($"learning-rate schedule '{spec}': '{text}' is not a number");

    private sealed class ConstantSchedule : LearningRateSchedule
    {
        public override string Name => "constant";

        public override double Factor(int epoch, double progress) => 1.0;
    }

    public sealed class StepSchedule(double gamma, int every) : LearningRateSchedule
    {
        public double Gamma => gamma;

        public int Every => every;

        public override string Name => $"step:{gamma.ToString(CultureInfo.InvariantCulture)}@{every}";

        public override double Factor(int epoch, double progress) => Math.Pow(gamma, Math.Max(0, epoch) / every);
    }

    public sealed class CosineSchedule(double floor) : LearningRateSchedule
    {
        public double Floor => floor;

        public override string Name => floor == 0 ? "cosine" : $"cosine:{floor.ToString(CultureInfo.InvariantCulture)}";

        public override double Factor(int epoch, double progress) =>
            floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));
    }
}
