using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DistNN.Integration.Tests;

/// <summary>
/// One `distnn node` process started from the built command beside the tests, its output collected line by line.
/// Dispose kills it (and anything it started) if it is still running.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(string label, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        Label = label;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "distnn.dll"));
        start.ArgumentList.Add("node");
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        // The environment overrides of the nodes must not leak in from the machine running the tests.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("DISTNN_", StringComparison.Ordinal) && k != "DISTNN_MNIST_DIR").ToList())
        {
            start.Environment.Remove(key);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        CommandLine = "distnn node " + string.Join(" ", args);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdoutClosed, "");
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderrClosed, "stderr: ");
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Label { get; }

    /// <summary>The process id (its threads are under /proc/ID/task).</summary>
    public int Id => _process.Id;

    public string CommandLine { get; }

    /// <summary>Every line so far; standard error's lines start with "stderr: ".</summary>
    public string Output => string.Join("\n", _lines);

    public static NodeProcess Start(string label, string workingDirectory, params string[] args) => new(label, args, workingDirectory);

    /// <summary>A node with <paramref name="environment"/> set (a test hook's variable, for one node of a group).</summary>
    public static NodeProcess Start(string label, string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(label, args, workingDirectory, environment);

    /// <summary>
    /// Waits for a line containing <paramref name="text"/> (after the first <paramref name="after"/> lines); false if the
    /// process ended or the time ran out first.
    /// </summary>
    public bool WaitForLine(string text, TimeSpan timeout, int after = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_lines.Skip(after).Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return true;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || (_process.HasExited && _stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted))
            {
                return false;
            }
            _arrived.Wait(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>The exit code, or null when the process is still running after <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return null;
        }
        Task.WaitAll([_stdoutClosed.Task, _stderrClosed.Task], TimeSpan.FromSeconds(5));
        return _process.ExitCode;
    }

    /// <summary>Sends the process a signal (TERM, INT, KILL, STOP, CONT) as `kill -s` does.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("/bin/kill", ["-s", name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -s {name} {_process.Id} failed ({Label})");
        }
    }

    /// <summary>The number of lines so far: <see cref="WaitForLine(string, TimeSpan, int)"/> can then look only at later ones.</summary>
    public int LineCount => _lines.Count;

    public string Describe() => $"--- {Label}: {CommandLine}\n{Output}";


    private void Collect(string? line, TaskCompletionSource closed, string prefix)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }
        else
        {
            _lines.Enqueue(prefix + line);
        }
        _arrived.Release();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }
        _process.Dispose();
    }

    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
