using System.Reflection;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace DistNN.Cli;

/// <summary>
/// "Did you mean …?" for an unknown option or command: the closest known name by edit distance (or one the typed
/// name is a prefix of). A command's options are read from its settings class, found by the convention that
/// `XCommand` is registered as `x`.
/// </summary>
internal static partial class OptionSuggestions
{
    [GeneratedRegex(@"^Unknown option '([^']+)'")]
    private static partial Regex UnknownOption();

    [GeneratedRegex(@"^Unknown command '([^']+)'")]
    private static partial Regex UnknownCommand();

    /// <summary>A hint to append to the parser's message, or "" when nothing known is close.</summary>
    public static string For(string message, IReadOnlyList<string> args)
    {
        var option = UnknownOption().Match(message);
        if (option.Success && args.Count > 0)
        {
            var known = OptionsOf(args[0]);
            string? best = Closest(option.Groups[1].Value, known);
            return best is null ? "" : $" Did you mean --{best}?";
        }
        var command = UnknownCommand().Match(message);
        if (command.Success)
        {
            string? best = Closest(command.Groups[1].Value, Commands().Keys);
            return best is null ? "" : $" Did you mean '{best}'?";
        }
        return "";
    }

    private static Dictionary<string, Type> Commands()
    {
        var commands = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in typeof(OptionSuggestions).Assembly.GetTypes())
        {
            if (type.IsAbstract || !type.Name.EndsWith("Command", StringComparison.Ordinal))
            {
                continue;
            }
            for (var t = type.BaseType; t is not null; t = t.BaseType)
            {
                if (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(Command<>) || t.GetGenericTypeDefinition() == typeof(AsyncCommand<>)))
                {
                    commands[type.Name[..^"Command".Length].ToLowerInvariant()] = t.GetGenericArguments()[0];
                    break;
                }
            }
        }
        return commands;
    }

    private static List<string> OptionsOf(string command)
    {
        if (!Commands().TryGetValue(command, out var settings))
        {
            return [];
        }
        return settings.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
            .Where(a => a is not null)
            .SelectMany(a => a!.LongNames)
            .ToList();
    }

    private static string? Closest(string typed, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var name in known)
        {
            int distance = name.StartsWith(typed, StringComparison.OrdinalIgnoreCase) ? 1 : Distance(typed.ToLowerInvariant(), name.ToLowerInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }
        // More than a third of the name changed is a different word, not a typo.
        return bestDistance <= Math.Max(1, typed.Length / 3) ? best : null;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) that turn <paramref name="a"/> into <paramref name="b"/>.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(d[i - 1, j - 1] + cost, Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
