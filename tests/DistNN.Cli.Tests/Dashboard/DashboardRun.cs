using System.Diagnostics;
using System.Text.Json;

namespace DistNN.Cli.Tests.Dashboard;

/// <summary>
/// A real `distnn train --dashboard 0` process shared by the dashboard specs: the mlp on 6,000 images for many short
/// epochs, stopped with SIGTERM once the specs are done.
/// </summary>
public sealed class DashboardRun : IAsyncLifetime
{
    private Process? _process;
    private readonly List<string> _output = [];

    public Uri Url { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join("\n", _output);
            }
        }
    }

    public async Task InitializeAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "distnn.dll"), "train", "--model", "mlp", "--data-dir", Distnn.MnistDir(),
            "--train-limit", "6000", "--epochs", "1000", "--threads", "1", "--dashboard", "0", "--no-progress" })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Take(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (_output)
            {
                _output.Add(line);
            }
            if (line.StartsWith("dashboard: http://127.0.0.1:", StringComparison.Ordinal))
            {
                url.TrySetResult(new Uri(line.Split(' ')[1]));
            }
        }
        _process.OutputDataReceived += (_, e) => Take(e.Data);
        _process.ErrorDataReceived += (_, e) => Take(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(url.Task, exited, Task.Delay(TimeSpan.FromMinutes(2))) != url.Task)
        {
            throw new InvalidOperationException("distnn train --dashboard 0 printed no dashboard address:\n" + Output);
        }
        Url = url.Task.Result;
    }

    public async Task<JsonDocument> StatusAsync() => JsonDocument.Parse(await Http.GetStringAsync(new Uri(Url, "api/status")));

    /// <summary>The status once <paramref name="ready"/> holds, asked again every 200 ms (at most a minute on a loaded machine).</summary>
    public async Task<JsonDocument> StatusWhenAsync(Func<JsonElement, bool> ready)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            var status = await StatusAsync();
            if (ready(status.RootElement))
            {
                return status;
            }
            if (limit.Elapsed > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException("the status never got there:\n" + status.RootElement + "\n" + Output);
            }
            status.Dispose();
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_process is null)
        {
            return;
        }
        using (var kill = Process.Start("/bin/kill", ["-s", "TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(patience.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardRunCollection : ICollectionFixture<DashboardRun>
{
    public const string Name = "one training run with a dashboard";
}
