namespace DistNN.Data;

/// <summary>
/// A data set could not be loaded because of something the user can fix (a missing or malformed file).
/// The message names the file and says what is wrong; catch this one type to report any data error.
/// </summary>
public abstract class DataException : Exception
{
    protected DataException(string? path, string message, Exception? inner = null)
        : base(message, inner)
    {
        FilePath = path;
    }

    /// <summary>The file (or folder) at fault, when there is one.</summary>
    public string? FilePath { get; }
}

/// <summary>A data file exists but its contents are not what its format promises.</summary>
public sealed class DataFormatException : DataException
{
    public DataFormatException(string path, string problem, Exception? inner = null)
        : base(path, $"{path}: {problem}", inner)
    {
    }
}

/// <summary>Data files (or their folder) are missing; the message names them and how to get them.</summary>
public sealed class DataNotFoundException : DataException
{
    public DataNotFoundException(string path, string message)
        : base(path, message)
    {
    }
}
