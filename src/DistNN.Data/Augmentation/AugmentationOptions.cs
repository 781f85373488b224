using System.Globalization;

namespace DistNN.Data.Augmentation;

/// <summary>
/// Data expansion for images, drawn afresh for every image of every batch: Gaussian noise of standard deviation
/// <see cref="NoiseStd"/> (then clipped to [0, 1]), a rotation by a uniform angle in ±<see cref="RotateDegrees"/>
/// about the image centre, and a shift by up to ±<see cref="ShiftPixels"/> along each axis (whole pixels when the
/// bound is a whole number, otherwise any fraction, resampled bilinearly). All zero — the default — is off.
/// </summary>
public sealed record AugmentationOptions(double NoiseStd = 0, double RotateDegrees = 0, double ShiftPixels = 0)
{
    public static readonly AugmentationOptions None = new();

    /// <summary>Largest shift bound accepted; anything near it already moves every image out of view.</summary>
    public const double MaxShiftPixels = 1000;

    private static readonly string[] Keys = ["noise", "rotate", "shift"];

    public bool IsEnabled => NoiseStd > 0 || RotateDegrees > 0 || ShiftPixels > 0;

    /// <summary>True when the geometry changes (rotation or shift), which needs images of shape [rows, cols, channels].</summary>
    public bool IsGeometric => RotateDegrees > 0 || ShiftPixels > 0;

    /// <summary>
    /// Parses "noise=0.1,rotate=10,shift=2" (any subset, any order; "" or "none" is off). Throws
    /// <see cref="FormatException"/> naming the bad part for unknown or repeated keys and bad or out-of-range numbers.
    /// </summary>
    public static AugmentationOptions Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return None;
        }
        double noise = 0, rotate = 0, shift = 0;
        var seen = new HashSet<string>();
        foreach (string rawPart in text.Split(','))
        {
            string part = rawPart.Trim();
            int eq = part.IndexOf('=');
            if (eq < 0)
            {
                throw Error(text, $"\"{part}\" is not key=value");
            }
            string key = part[..eq].Trim().ToLowerInvariant();
            string valueText = part[(eq + 1)..].Trim();
            if (Array.IndexOf(Keys, key) < 0)
            {
                throw Error(text, $"unknown key \"{key}\"");
            }
            if (!seen.Add(key))
            {
                throw Error(text, $"\"{key}\" is given twice");
            }
            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                throw Error(text, $"\"{valueText}\" is not a number (for {key})");
            }
            if (value < 0)
            {
                throw Error(text, $"{key}={valueText} is negative");
            }
            switch (key)
            {
                case "noise":
                    noise = value;
                    break;
                case "rotate":
                    if (value > 180)
                    {
                        throw Error(text, $"rotate={valueText} is more than 180 degrees");
                    }
                    rotate = value;
                    break;
                default:
                    if (value > MaxShiftPixels)
                    {
                        throw Error(text, $"shift={valueText} is more than {MaxShiftPixels} pixels");
                    }
                    shift = value;
                    break;
            }
        }
        return new AugmentationOptions(noise, rotate, shift);
    }

    /// <summary>The canonical text form, which <see cref="Parse"/> reads back.</summary>
    public override string ToString()
    {
        if (!IsEnabled)
        {
            return "none";
        }
        var parts = new List<string>();
        if (NoiseStd > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"noise={NoiseStd}"));
        }
        if (RotateDegrees > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"rotate={RotateDegrees}"));
        }
        if (ShiftPixels > 0)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"shift={ShiftPixels}"));
        }
        return string.Join(",", parts);
    }

    private static FormatException Error(string text, string problem) =>
        new($"augmentation \"{text}\": {problem}; expected comma-separated {string.Join(", ", Keys.Select(k => k + "=<number>"))}, e.g. \"noise=0.1,rotate=10,shift=2\"");
}
