using System.Globalization;
using System.Text.RegularExpressions;

namespace DistNN.Training.Simulation;

/// <summary>
/// A simulated cluster's network: every node has one full-duplex link of <see cref="BytesPerSecond"/> (payload bytes)
/// to a non-blocking switch, and a message takes <see cref="Latency"/> seconds one way besides its bytes.
/// </summary>
public sealed partial record LinkSpec(double BytesPerSecond, double Latency)
{
    /// <summary>TCP payload per Ethernet frame at MTU 1500 (1448 bytes with timestamps) over the bytes on the wire (1538).</summary>
    public const double EthernetGoodput = 1448.0 / 1538.0;

    /// <summary>
    /// A rate such as <c>10gbit</c>, <c>100mbit</c> (line rates: the payload gets <see cref="EthernetGoodput"/> of them) or
    /// <c>2.5GB/s</c>, <c>800MB/s</c> (payload bytes per second, e.g. measured), and a latency such as <c>0.2ms</c>, <c>50us</c>.
    /// </summary>
    public static LinkSpec Parse(string rate, string latency) => new(ParseRate(rate), ParseLatency(latency));

    public static double ParseRate(string text)
    {
        var m = RateText().Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0))
        {
            throw new ArgumentException($"--link: '{text}' is not a link rate (e.g. 10gbit, 100mbit, 2.5GB/s)");
        }
        double scale = m.Groups[2].Value.ToLowerInvariant() switch
        {
            "k" => 1e3,
            "m" => 1e6,
            "g" => 1e9,
            "t" => 1e12,
            _ => 1,
        };
        return m.Groups[3].Value.Equals("bit", StringComparison.OrdinalIgnoreCase)
            ? value * scale / 8 * EthernetGoodput
            : value * scale;
    }

    public static double ParseLatency(string text)
    {
        var m = LatencyText().Match(text.Trim());
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value < 0)
        {
            throw new ArgumentException($"--latency: '{text}' is not a latency (e.g. 0.2ms, 50us, 0)");
        }
        return value * m.Groups[2].Value.ToLowerInvariant() switch
        {
            "us" or "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1,
            _ => value == 0 ? 0 : throw new ArgumentException($"--latency: '{text}' needs a unit (s, ms, us)"),
        };
    }

    public override string ToString() => $"{BytesPerSecond / 1e9:0.###} GB/s payload, {Latency * 1e3:0.###} ms";

    [GeneratedRegex(@"^([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([kKmMgGtT]?)(bit|B/s)$")]
    private static partial Regex RateText();

    [GeneratedRegex(@"^([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(us|µs|ms|s|)$", RegexOptions.IgnoreCase)]
    private static partial Regex LatencyText();
}
