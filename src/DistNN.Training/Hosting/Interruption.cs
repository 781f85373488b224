using System.Runtime.InteropServices;

namespace DistNN.Training.Hosting;

/// <summary>
/// SIGINT and SIGTERM as a cancellation: the first one cancels <see cref="Token"/> (the run stops at its next step and
/// the program writes what it has), a second one ends the process at once with <see cref="ExitCode"/>.
/// </summary>
public sealed class Interruption : IDisposable
{
    /// <summary>The exit code of an interrupted run, on every command and node (128 + SIGINT).</summary>
    public const int ExitCode = 130;

    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;

    public Interruption(CancellationToken outer = default)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => _source.Token;

    /// <summary>True once a signal (or the outer token) asked the run to stop.</summary>
    public bool Requested => _source.IsCancellationRequested;

    /// <summary>
    /// While set, what the program is doing that cannot stop at a step and has nothing to keep (reading the data set,
    /// say): a signal then ends the process at once with <see cref="ExitCode"/>, saying so, instead of asking a run that
    /// has not started to stop.
    /// </summary>
    public string? ExitAtOnceWhile { get; set; }

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (ExitAtOnceWhile is { } doing)
        {
            Console.Error.WriteLine($"distnn: {context.Signal} while {doing}: nothing was trained, exiting");
            Environment.Exit(ExitCode);
        }
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Console.Error.WriteLine("distnn: interrupted again: exiting now");
            Environment.Exit(ExitCode);
        }
        Console.Error.WriteLine($"distnn: {context.Signal}: stopping at the next step (again to exit at once)");
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }
        _source.Dispose();
    }
}
