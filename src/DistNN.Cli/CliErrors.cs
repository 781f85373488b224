using System.Text.Json;
using Akka.Configuration;
using DistNN.Data;
using DistNN.Nn.Layers;
using Spectre.Console.Cli;

namespace DistNN.Cli;

/// <summary>One line that says what was wrong, and the exit code it deserves: 2 for bad usage or input, 1 for a failed run.</summary>
internal static class CliErrors
{
    public const int BadUsage = 2;

    public const int Failed = 1;

    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException f => f.Message,
        DirectoryNotFoundException d => d.Message,
        _ => e.Message,
    };

    /// <summary>What the user gave (options, files, specs, settings) was wrong: 2; anything else made the run fail: 1.</summary>
    public static int ExitCode(Exception e) => e is CommandAppException or OptionException or IOException or DataException or ArgumentException
        or ShapeException or JsonException or ConfigurationException or FormatException or InvalidDataException
        ? BadUsage
        : Failed;
}

/// <summary>A bad option value: the message names the option.</summary>
internal sealed class OptionException(string message) : Exception(message);
