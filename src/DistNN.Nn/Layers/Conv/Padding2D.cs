using System.Globalization;

namespace DistNN.Nn.Layers.Conv;

public enum PaddingMode
{
    /// <summary>No padding: the window stays inside the image.</summary>
    Valid,

    /// <summary>TensorFlow's rule: out = ⌈in / stride⌉, the missing rows/columns split with the extra one at the bottom/right.</summary>
    Same,

    /// <summary>Fixed zero rows and columns on each side.</summary>
    Explicit,
}

/// <summary>
/// Zero padding of a 2-D window (convolution or pooling), parsed from a spec's "valid", "same",
/// a number (all sides), "[vertical,horizontal]" or "[top,bottom,left,right]".
/// </summary>
public readonly record struct Padding2D(PaddingMode Mode, int Top = 0, int Bottom = 0, int Left = 0, int Right = 0)
{
    public static Padding2D Valid => new(PaddingMode.Valid);

    public static Padding2D Same => new(PaddingMode.Same);

    public static Padding2D Explicit(int top, int bottom, int left, int right) => new(PaddingMode.Explicit, top, bottom, left, right);

    /// <summary>Null or empty text means valid. Negative numbers parse; Build rejects them naming the layer.</summary>
    public static Padding2D Parse(string? text)
    {
        var t = text?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(t) || t == "valid")
        {
            return Valid;
        }
        if (t == "same")
        {
            return Same;
        }
        var parts = t.Trim('[', ']', '(', ')').Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new FormatException($"padding '{text}' is not \"valid\", \"same\", a number, [vertical,horizontal] or [top,bottom,left,right]");
            }
        }
        return values.Length switch
        {
            1 => Explicit(values[0], values[0], values[0], values[0]),
            2 => Explicit(values[0], values[0], values[1], values[1]),
            4 => Explicit(values[0], values[1], values[2], values[3]),
            _ => throw new FormatException($"padding '{text}' needs 1, 2 or 4 numbers, got {values.Length}"),
        };
    }

    /// <summary>Concrete (top, bottom, left, right) for an input of height×width.</summary>
    public (int Top, int Bottom, int Left, int Right) Resolve(int height, int width, int kernelHeight, int kernelWidth, int strideH, int strideW)
    {
        switch (Mode)
        {
            case PaddingMode.Valid:
                return (0, 0, 0, 0);
            case PaddingMode.Same:
                var (top, bottom) = SameSplit(height, kernelHeight, strideH);
                var (left, right) = SameSplit(width, kernelWidth, strideW);
                return (top, bottom, left, right);
            default:
                return (Top, Bottom, Left, Right);
        }
    }

    // TF: out = ceil(in / s); total = max((out − 1)·s + k − in, 0); the odd one goes after.
    private static (int Before, int After) SameSplit(int size, int kernel, int stride)
    {
        int output = (size + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + kernel - size, 0);
        return (total / 2, total - total / 2);
    }

    public override string ToString() => Mode switch
    {
        PaddingMode.Valid => "valid",
        PaddingMode.Same => "same",
        _ => $"[{Top},{Bottom},{Left},{Right}]",
    };
}
