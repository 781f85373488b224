using System.Diagnostics;

namespace DistNN.Cli.Tests;

/// <summary>
/// A running `distnn` child process for specs that poke it while it runs: its output lines are kept (both streams),
/// a spec can wait for a line and send it a signal, and disposing it SIGKILLs whatever is still running.
/// </summary>
internal sealed class DistnnProcess : IDisposable
{
    private readonly Process _process;
    private readonly object _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<string> _errorLines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Seen)> _waits = [];

    private DistnnProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Collect(e.Data, error: false);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, error: true);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// Starts `dotnet distnn.dll ARGS`. With <paramref name="defaultSigint"/> it starts through `env --default-signal=INT`:
    /// a child of a background job inherits SIGINT ignored, as no terminal would deliver it; a foreground shell does this.
    /// </summary>
    public static DistnnProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool defaultSigint = false)
    {
        var psi = new ProcessStartInfo(defaultSigint ? "env" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (defaultSigint)
        {
            psi.ArgumentList.Add("--default-signal=INT");
            psi.ArgumentList.Add("dotnet");
        }
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distnn.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }
        return new DistnnProcess(Process.Start(psi)!);
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line so far, stdout and stderr interleaved as they arrived.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>What the process wrote to stderr so far, a line each.</summary>
    public string Stderr
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _errorLines);
            }
        }
    }

    /// <summary>Completes once a line that <paramref name="match"/> accepts has arrived (before or after the call); times out after <paramref name="limit"/>.</summary>
    public Task LineAsync(Func<string, bool> match, TimeSpan limit)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.Any(match))
            {
                seen.TrySetResult();
            }
            else
            {
                _waits.Add((match, seen));
            }
        }
        return WithLines(seen.Task.WaitAsync(limit), limit);
    }

    /// <summary>A wait that timed out says what the process had written by then.</summary>
    private async Task WithLines(Task wait, TimeSpan limit)
    {
        try
        {
            await wait;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no such line within {limit.TotalSeconds} s; the process wrote:\n{string.Join('\n', Lines)}");
        }
    }

    /// <summary>Sends SIGNAL (INT, TERM, …) with /bin/kill, as a user or an orchestrator would.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("/bin/kill", ["-s", signal, _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    /// <summary>True when the process has exited within <paramref name="limit"/>, with its output read to the end.</summary>
    public async Task<bool> ExitedWithinAsync(TimeSpan limit)
    {
        using var patience = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(patience.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        if (!_process.HasExited)
        {
            return false;
        }
        await _process.WaitForExitAsync();
        return true;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true); // SIGKILL
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private void Collect(string? line, bool error)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _lines.Add(line);
            if (error)
            {
                _errorLines.Add(line);
            }
            foreach (var (match, seen) in _waits)
            {
                if (match(line))
                {
                    seen.TrySetResult();
                }
            }
        }
    }
}
