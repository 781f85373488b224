using System.Globalization;
using System.Text.RegularExpressions;

namespace DistNN.Cli.Tests.Dashboard;

/// <summary>
/// A strict reader of Prometheus' text exposition format (0.0.4): every line is a # HELP, a # TYPE, another comment or a
/// sample `name{label="value",…} value [timestamp]`; a sample's family must have been typed before it.
/// </summary>
internal static partial class PrometheusText
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed record Exposition(IReadOnlyDictionary<string, string> Types, IReadOnlyList<Sample> Samples)
    {
        public IEnumerable<Sample> Named(string name) => Samples.Where(s => s.Name == name);
    }

    public static Exposition Parse(string text)
    {
        var types = new Dictionary<string, string>();
        var samples = new List<Sample>();
        int number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.True(parts.Length == 4 && parts[3] is "counter" or "gauge" or "histogram" or "summary" or "untyped",
                    $"line {number}: a malformed TYPE: {line}");
                types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#'))
            {
                continue;
            }
            var m = SampleLine().Match(line);
            Assert.True(m.Success, $"line {number} is not a Prometheus sample: {line}");
            string name = m.Groups["name"].Value;
            var labels = new Dictionary<string, string>();
            foreach (Capture c in m.Groups["label"].Captures)
            {
                var l = Label().Match(c.Value);
                labels[l.Groups[1].Value] = l.Groups[2].Value;
            }
            string family = types.Keys.FirstOrDefault(t => name == t || name.StartsWith(t + "_", StringComparison.Ordinal)) ?? "";
            Assert.True(family.Length > 0 || name == "target_info", $"line {number}: sample {name} before any TYPE of its family");
            string raw = m.Groups["value"].Value;
            double value = raw switch
            {
                "NaN" => double.NaN,
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(name, labels, value));
        }
        return new Exposition(types, samples);
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?<label>[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"),?)*\})? (?<value>NaN|[+-]Inf|[-+]?[0-9.]+([eE][-+]?[0-9]+)?)( -?[0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""^([a-zA-Z_][a-zA-Z0-9_]*)="(.*)"$""")]
    private static partial Regex Label();
}
