using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DistNN.Cli.Tests.Dashboard;

/// <summary>
/// Debian's chromium, headless, driven through the DevTools protocol on a WebSocket: open a page, evaluate script in
/// it, take a screenshot.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The browser's executable, or null when this machine has none (scripts/test.sh installs Debian's chromium).</summary>
    public static string? Find() =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Starts the browser on <paramref name="url"/> with a viewport of the given size and connects to that page.</summary>
    public static async Task<HeadlessChromium> OpenAsync(string executable, Uri url, int width, int height)
    {
        string profile = Path.Combine(Path.GetTempPath(), "distnn-chromium-" + Guid.NewGuid().ToString("N"));
        var psi = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
            "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0", "--remote-allow-origins=*", $"--user-data-dir={profile}",
            $"--window-size={width},{height}", url.ToString() })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        var browser = new HeadlessChromium(process, profile);
        try
        {
            var endpoint = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            var log = new StringBuilder();
            process.ErrorDataReceived += (_, e) =>
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }
                const string Listening = "DevTools listening on ";
                if (e.Data?.StartsWith(Listening, StringComparison.Ordinal) == true)
                {
                    endpoint.TrySetResult(new Uri(e.Data[Listening.Length..]));
                }
            };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            if (await Task.WhenAny(endpoint.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromMinutes(1))) != endpoint.Task)
            {
                throw new InvalidOperationException($"chromium did not open its DevTools endpoint:\n{log}");
            }
            var browserSocket = endpoint.Task.Result;
            using var http = new HttpClient();
            var list = new Uri($"http://{browserSocket.Authority}/json/list");
            string? pageSocket = null;
            for (int attempt = 0; attempt < 100 && pageSocket is null; attempt++)
            {
                var pages = JsonNode.Parse(await http.GetStringAsync(list))!.AsArray();
                pageSocket = pages.FirstOrDefault(p => (string?)p!["type"] == "page" && ((string?)p["url"])?.StartsWith(url.ToString(), StringComparison.Ordinal) == true)
                    ?["webSocketDebuggerUrl"]?.GetValue<string>();
                if (pageSocket is null)
                {
                    await Task.Delay(200);
                }
            }
            await browser._socket.ConnectAsync(new Uri(pageSocket ?? throw new InvalidOperationException($"chromium has no page at {url}")), CancellationToken.None);
            // The page's own viewport (the window's size includes what headless chromium keeps for its frame).
            await browser.SendAsync("Emulation.setDeviceMetricsOverride",
                new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Evaluates a script expression in the page and returns its value (by value, as JSON).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (result.TryGetProperty("exceptionDetails", out var error))
        {
            throw new InvalidOperationException($"{expression}: {error}");
        }
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    /// <summary>The page as a PNG.</summary>
    public async Task<byte[]> ScreenshotAsync() =>
        Convert.FromBase64String((await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" })).GetProperty("data").GetString()!);

    /// <summary>Sends one command and waits for its answer; events in between are ignored.</summary>
    private async Task<JsonElement> SendAsync(string method, JsonObject parameters)
    {
        int id = ++_nextId;
        var command = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(command.ToJsonString()), WebSocketMessageType.Text, true, limit.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, limit.Token);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);
            using var answer = JsonDocument.Parse(message.ToArray());
            if (answer.RootElement.TryGetProperty("id", out var answered) && answered.GetInt32() == id)
            {
                if (answer.RootElement.TryGetProperty("error", out var error))
                {
                    throw new InvalidOperationException($"{method}: {error}");
                }
                return answer.RootElement.GetProperty("result").Clone();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException)
        {
            // The browser is going away anyway.
        }
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A profile file still held open by a dying helper process: the temporary folder keeps it.
        }
    }
}
