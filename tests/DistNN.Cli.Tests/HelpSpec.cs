using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace DistNN.Cli.Tests;

/// <summary>`--help`: wrapped between words only, at any width and through a pipe; the README's option tables say what it says.</summary>
public partial class HelpSpec
{
    public static TheoryData<string, string?> CommandsAndWidths()
    {
        var data = new TheoryData<string, string?>();
        foreach (var command in new[] { "", "train", "node", "eval", "predict", "export", "plot", "bench", "simulate" })
        {
            data.Add(command, null);
            data.Add(command, "80");
            data.Add(command, "50");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CommandsAndWidths))]
    public void Help_piped_or_at_80_or_50_columns_keeps_every_word_and_example_whole(string command, string? columns)
    {
        int width = columns is null ? 80 : int.Parse(columns, CultureInfo.InvariantCulture);

        var help = Help(command, columns);

        string flat = Collapse(help);
        foreach (var description in Descriptions(command))
        {
            Assert.Contains(Collapse(description), flat);
        }
        foreach (var line in help.Split('\n'))
        {
            bool oneWord = line.Trim().Split(' ').Length == 1;
            bool example = line.StartsWith("    distnn ", StringComparison.Ordinal);
            Assert.True(line.Length <= width || oneWord || example, $"a line of {line.Length} characters at {width} columns:\n{line}");
        }
        if (command is "" or "node")
        {
            Assert.Contains("\n    distnn node --role coordinator --port 4053 --servers 2 --workers 2 --epochs 1\n", help);
        }
        if (command is "node")
        {
            Assert.Contains("coordinator,ps (the coordinator and one parameter server); worker,ps (a worker and one parameter server", flat);
            Assert.Contains("coordinator,worker or coordinator,worker,ps (the coordinator also trains as one of the workers", flat);
        }
    }

    [Fact]
    public void Help_prints_brackets_in_descriptions_as_written()
    {
        var help = Help("train", "1000");

        Assert.Contains("in [0, 1): at 1 nothing passes", help);
    }

    [Theory]
    [InlineData("train", "### train")]
    [InlineData("node", "### node")]
    public void The_readme_table_names_every_option_of_help_with_the_same_defaults(string command, string section)
    {
        var readme = ReadmeTable(section);
        var help = HelpOptions(Help(command, "1000"));
        // The node table lists the node's own options; the coordinator takes train's as well (its seed is --random-seed).
        var also = command == "node" ? ReadmeTable("### train").Keys.Append("--random-seed").ToHashSet() : [];

        var undocumented = help.Keys.Where(o => o != "--help" && !readme.ContainsKey(o) && !also.Contains(o)).ToList();
        var unknown = readme.Keys.Where(o => !help.ContainsKey(o)).ToList();
        var disagreeing = readme.Where(r => r.Value is not null && help.TryGetValue(r.Key, out var d) && d is not null && !SameValue(r.Value, d))
            .Select(r => $"{r.Key}: README {r.Value}, --help {help[r.Key]}").ToList();

        Assert.True(undocumented.Count == 0, $"in `distnn {command} --help` but not in the README's table: {string.Join(", ", undocumented)}");
        Assert.True(unknown.Count == 0, $"in the README's {command} table but not in --help: {string.Join(", ", unknown)}");
        Assert.True(disagreeing.Count == 0, "defaults differ: " + string.Join("; ", disagreeing));
    }

    private static string Help(string command, string? columns)
    {
        var environment = new Dictionary<string, string>();
        if (columns is not null)
        {
            environment["COLUMNS"] = columns;
        }
        var r = Distnn.RunWith(environment, command.Length == 0 ? ["--help"] : [command, "--help"]);
        Assert.True(r.ExitCode == 0, r.All);
        return r.Stdout.Replace("\r", "");
    }

    /// <summary>The [Description] of every option of the command's settings, as written in the code.</summary>
    private static IEnumerable<string> Descriptions(string command)
    {
        if (command.Length == 0)
        {
            return [];
        }
        var commandType = typeof(CliErrors).Assembly.GetTypes().Single(t => t.Name.Equals(command + "Command", StringComparison.OrdinalIgnoreCase));
        var settings = commandType.BaseType!.GetGenericArguments()[0];
        return settings.GetProperties()
            .Where(p => p.GetCustomAttribute<CommandOptionAttribute>() is { IsHidden: false })
            .Select(p => p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "")
            .Where(d => d.Length > 0);
    }

    private static string Collapse(string text) => Whitespace().Replace(text, " ");

    /// <summary>Each option of the OPTIONS section (one line each at 1000 columns, or its text below it) with the default it names.</summary>
    private static Dictionary<string, string?> HelpOptions(string help)
    {
        var options = new Dictionary<string, string?>();
        string? current = null;
        foreach (var line in help[help.IndexOf("OPTIONS:", StringComparison.Ordinal)..].Split('\n').Skip(1))
        {
            var m = OptionLine().Match(line);
            if (m.Success)
            {
                current = m.Groups[1].Value;
                options[current] = DefaultIn(line);
            }
            else if (current is not null && line.StartsWith("        ", StringComparison.Ordinal))
            {
                options[current] ??= DefaultIn(line);
            }
            else if (line.Length > 0 && !line.StartsWith(' '))
            {
                break;
            }
        }
        return options;
    }

    /// <summary>The plain value after "Default", or null; a setting's name (distnn.…, from reference.conf) is not a value to compare.</summary>
    private static string? DefaultIn(string text) =>
        DefaultText().Match(text) is { Success: true } m && m.Groups[1].Value.TrimEnd(':', '.') is { } value && !value.StartsWith("distnn.", StringComparison.Ordinal)
            ? value
            : null;

    /// <summary>The README table under <paramref name="section"/>: each option named in a row's first cell with its default (null when not a plain value).</summary>
    private static Dictionary<string, string?> ReadmeTable(string section)
    {
        var lines = File.ReadAllLines(Path.Combine(Distnn.RepositoryRoot(), "README.md"));
        int start = Array.FindIndex(lines, l => l.StartsWith(section, StringComparison.Ordinal));
        Assert.True(start >= 0, $"no {section} in the README");
        var rows = lines.Skip(start).SkipWhile(l => !l.StartsWith("| option", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith('|'));
        var table = new Dictionary<string, string?>();
        foreach (var row in rows)
        {
            var cells = row.Split('|').Select(c => c.Trim()).ToArray();
            var names = OptionName().Matches(cells[1]).Select(m => m.Groups[1].Value).ToList();
            var defaults = cells[2].Replace("`", "").Split(", ");
            for (int i = 0; i < names.Count; i++)
            {
                string? value = i < defaults.Length ? defaults[i].Split(" (")[0] : null;
                table[names[i]] = value is not null && PlainValue().IsMatch(value) ? value : null;
            }
        }
        return table;
    }

    private static bool SameValue(string readme, string help) =>
        double.TryParse(readme, NumberStyles.Float, CultureInfo.InvariantCulture, out double a)
        && double.TryParse(help, NumberStyles.Float, CultureInfo.InvariantCulture, out double b)
            ? Math.Abs(a - b) <= 1e-9 * Math.Max(1, Math.Abs(a))
            : readme == help;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^ {4}(?:-\w, | {4})(--[a-z0-9-]+)")]
    private static partial Regex OptionLine();

    [GeneratedRegex(@"Default:? ([A-Za-z0-9_./@:-]+?)\.?(?=[\s,;)]|$)")]
    private static partial Regex DefaultText();

    [GeneratedRegex(@"`(--[a-z0-9-]+)`")]
    private static partial Regex OptionName();

    [GeneratedRegex(@"^[A-Za-z0-9_./@:-]+$")]
    private static partial Regex PlainValue();
}
