using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace DistNN.Cli;

/// <summary>
/// `--help` as plain text wrapped only between words: an option, a path, an address or an example command is never cut,
/// in a terminal of any width or through a pipe (80 columns, or COLUMNS). Descriptions are text, not markup, so
/// "in [0, 1)" prints as written. Each option ends with its default when the description does not give one.
/// </summary>
internal sealed class PlainHelp(string version) : IHelpProvider
{
    private const string Indent = "    ";

    public IEnumerable<IRenderable> Write(ICommandModel model, ICommandInfo? command)
    {
        int width = Width();
        var lines = new List<string>();
        if (command?.Description is { Length: > 0 } description)
        {
            lines.Add("DESCRIPTION:");
            lines.AddRange(Wrap(description, width, ""));
            lines.Add("");
        }
        lines.Add("USAGE:");
        var arguments = (command?.Parameters ?? []).OfType<ICommandArgument>().OrderBy(a => a.Position).ToList();
        string usage = command is null
            ? $"{model.ApplicationName} [OPTIONS] <COMMAND>"
            : string.Join(" ", new[] { model.ApplicationName, command.Name }.Concat(arguments.Select(Value)).Append("[OPTIONS]"));
        lines.Add(Indent + usage);
        var examples = command is null ? model.Examples.Concat(model.Commands.SelectMany(c => c.Examples)).ToList() : command.Examples.ToList();
        if (examples.Count > 0)
        {
            lines.Add("");
            lines.Add("EXAMPLES:");
            // A command is one line whatever the width: cut, it could not be copied.
            lines.AddRange(examples.Select(e => Indent + model.ApplicationName + " " + string.Join(" ", e)));
        }
        if (arguments.Count > 0)
        {
            lines.Add("");
            lines.Add("ARGUMENTS:");
            lines.AddRange(Table(arguments.Select(a => (Value(a), a.Description ?? "")).ToList(), width));
        }
        var options = new List<(string Names, string Text)> { ("-h, --help", "Prints help information.") };
        if (command is null)
        {
            options.Add(("-v, --version", $"Prints the version, the .NET runtime and the compute kernel ({version})."));
        }
        options.AddRange((command?.Parameters ?? []).OfType<ICommandOption>().Where(o => !o.IsHidden).Select(o => (Names(o), Text(o))));
        lines.Add("");
        lines.Add("OPTIONS:");
        lines.AddRange(Table(options, width));
        if (command is null)
        {
            lines.Add("");
            lines.Add("COMMANDS:");
            lines.AddRange(Table(model.Commands.Where(c => !c.IsHidden).Select(c => (c.Name, c.Description ?? "")).ToList(), width));
        }
        lines.Add("");
        return [new PlainLines(lines)];
    }

    /// <summary>The width to wrap at: COLUMNS when set, else the terminal's, else (piped) 80.</summary>
    internal static int Width()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns > 0)
        {
            return Math.Max(40, columns);
        }
        if (!Console.IsOutputRedirected)
        {
            try
            {
                return Math.Max(40, Console.WindowWidth);
            }
            catch (IOException)
            {
                // No terminal after all.
            }
        }
        return 80;
    }

    private static string Value(ICommandArgument a) => a.IsRequired ? $"<{a.Value}>" : $"[{a.Value}]";

    private static string Names(ICommandOption o)
    {
        string names = string.Join(", ", o.ShortNames.Select(s => "-" + s).Concat(o.LongNames.Select(l => "--" + l)));
        if (o.ShortNames.Count == 0)
        {
            names = "    " + names;
        }
        return o.ValueName is null || o.IsFlag ? names : $"{names} {(o.ValueIsOptional ? "[" + o.ValueName + "]" : "<" + o.ValueName + ">")}";
    }

    private static string Text(ICommandOption o)
    {
        string text = o.Description ?? "";
        if (o.DefaultValue?.Value is { } value && value is not false && !text.Contains("default", StringComparison.OrdinalIgnoreCase))
        {
            text = text.TrimEnd() + $" Default: {Format(value)}.";
        }
        return text;
    }

    private static string Format(object value) => value switch
    {
        string { Length: 0 } => "none",
        float f => f.ToString("G", System.Globalization.CultureInfo.InvariantCulture),
        double d => d.ToString("G", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Names on the left, text wrapped in the column beside them (or below, indented, when the names are long or the screen narrow).</summary>
    private static IEnumerable<string> Table(IReadOnlyList<(string Names, string Text)> rows, int width)
    {
        int column = Math.Min(rows.Select(r => r.Names.Length).DefaultIfEmpty(0).Max(), 30) + Indent.Length + 2;
        bool beside = width - column >= 30;
        foreach (var (names, text) in rows)
        {
            if (beside && Indent.Length + names.Length + 2 <= column)
            {
                var wrapped = Wrap(text, width - column, "").ToList();
                yield return (Indent + names).PadRight(column) + (wrapped.Count > 0 ? wrapped[0] : "");
                foreach (var more in wrapped.Skip(1))
                {
                    yield return new string(' ', column) + more;
                }
                continue;
            }
            yield return Indent + names;
            string under = beside ? new string(' ', column) : Indent + Indent;
            foreach (var line in Wrap(text, width - under.Length, under))
            {
                yield return line;
            }
        }
    }

    /// <summary>Words into lines of at most <paramref name="width"/> characters; a word longer than that gets a line of its own, whole.</summary>
    internal static IEnumerable<string> Wrap(string text, int width, string indent)
    {
        var line = new System.Text.StringBuilder();
        foreach (var word in text.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return indent + line;
                line.Clear();
            }
            if (line.Length > 0)
            {
                line.Append(' ');
            }
            line.Append(word);
        }
        if (line.Length > 0)
        {
            yield return indent + line;
        }
    }

    /// <summary>Lines written as they are: the console neither wraps nor parses them.</summary>
    private sealed class PlainLines(IReadOnlyList<string> lines) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => new(1, lines.Max(l => l.Length));

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
            lines.SelectMany(l => new[] { new Segment(l), Segment.LineBreak });
    }
}
