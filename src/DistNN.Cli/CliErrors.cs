namespace DistNN.Cli;

/// <summary>One line that says what was wrong, for errors a user can cause.</summary>
internal static class CliErrors
{
    public static string Describe(Exception e) => e switch
    {
        FileNotFoundException f => f.Message,
        DirectoryNotFoundException d => d.Message,
        _ => e.Message,
    };
}

/// <summary>A bad option value: the message names the option.</summary>
internal sealed class OptionException(string message) : Exception(message);
