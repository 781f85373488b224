using System.Globalization;

namespace DistNN.Protocol.Codecs;

/// <summary>
/// The gradient compression a worker applies to each push: <c>none</c>, <c>fp16</c>, <c>int8</c> or
/// <c>topk:&lt;fraction&gt;</c> (the k = ⌈fraction · n⌉ largest magnitudes of each chunk, with error feedback).
/// </summary>
public readonly record struct Compression
{
    private Compression(TensorEncoding encoding, double topKFraction)
    {
        Encoding = encoding;
        TopKFraction = topKFraction;
    }

    public static Compression None { get; } = new(TensorEncoding.None, 0);

    public static Compression Fp16 { get; } = new(TensorEncoding.Fp16, 0);

    public static Compression Int8 { get; } = new(TensorEncoding.Int8, 0);

    public TensorEncoding Encoding { get; }

    /// <summary>Fraction of each chunk's elements that top-k sends, in (0, 1]; 0 for the other encodings.</summary>
    public double TopKFraction { get; }

    public static Compression TopK(double fraction)
    {
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction,
                "the top-k fraction must be in (0, 1], e.g. 0.01 for the largest 1 % of each chunk");
        }
        return new Compression(TensorEncoding.TopK, fraction);
    }

    /// <summary>Parses <c>none</c>, <c>fp16</c>, <c>int8</c> or <c>topk:&lt;fraction&gt;</c> (case-insensitive).</summary>
    public static Compression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "none":
                return None;
            case "fp16":
                return Fp16;
            case "int8":
                return Int8;
        }
        if (t.StartsWith("topk:", StringComparison.Ordinal))
        {
            string number = t["topk:".Length..];
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double fraction)
                || !(fraction > 0 && fraction <= 1))
            {
                throw new FormatException(
                    $"compression '{text}': the top-k fraction must be a number in (0, 1], e.g. topk:0.01");
            }
            return new Compression(TensorEncoding.TopK, fraction);
        }
        throw new FormatException(
            $"unknown compression '{text}': expected none, fp16, int8 or topk:<fraction> (e.g. topk:0.01)");
    }

    /// <summary>How many elements top-k sends for a chunk of <paramref name="elements"/>: ⌈fraction · n⌉, at least 1 when n > 0.</summary>
    public int TopKCount(int elements)
    {
        if (Encoding != TensorEncoding.TopK)
        {
            return elements;
        }
        return TopKCountFor(TopKFraction, elements);
    }

    internal static int TopKCountFor(double fraction, int elements)
    {
        if (elements == 0)
        {
            return 0;
        }
        long k = (long)Math.Ceiling(fraction * elements);
        return (int)Math.Clamp(k, 1, elements);
    }

    public override string ToString() => Encoding switch
    {
        TensorEncoding.None => "none",
        TensorEncoding.Fp16 => "fp16",
        TensorEncoding.Int8 => "int8",
        _ => "topk:" + TopKFraction.ToString("R", CultureInfo.InvariantCulture),
    };
}
