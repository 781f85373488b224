using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace DistNN.Cli.Dashboard;

/// <summary>
/// The live dashboard (`--dashboard PORT`): Kestrel on 127.0.0.1 with a minimal API — the page and its script and style
/// (embedded resources), `/api/status` (JSON), `/api/events` (server-sent events: a snapshot, then updates) and
/// `/metrics` (Prometheus text through OpenTelemetry).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A loss can be NaN or infinite when a run diverges: written as strings rather than failing the response.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly TimeSpan UpdateInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private readonly WebApplication _app;
    private readonly DashboardMetrics _metrics;
    private readonly CancellationTokenSource _stopping = new();
    private int _streams;

    private DashboardServer(WebApplication app, DashboardMetrics metrics, DashboardState state)
    {
        _app = app;
        _metrics = metrics;
        State = state;
    }

    public DashboardState State { get; }

    /// <summary>The page's address, with the port Kestrel bound (the one asked for, or a free one for 0).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Starts serving <paramref name="state"/> on 127.0.0.1:<paramref name="port"/>; a port in use is bad input (IOException).</summary>
    public static async Task<DashboardServer> StartAsync(DashboardState state, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        // SIGINT and SIGTERM belong to the run (Interruption): the console lifetime would take them and stop only the page.
        builder.Services.AddSingleton<IHostLifetime, DistNN.Training.Hosting.NoSignalLifetime>();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(DashboardMetrics.MeterName).AddPrometheusExporter());
        var metrics = new DashboardMetrics(state);
        var app = builder.Build();
        var server = new DashboardServer(app, metrics, state);
        server.Map();
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            metrics.Dispose();
            await app.DisposeAsync();
            throw new IOException($"--dashboard {port}: cannot listen on 127.0.0.1:{port}: {(e.InnerException ?? e).Message}");
        }
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(new Uri(bound.Replace("[::]", "127.0.0.1")), "/");
        return server;
    }

    private void Map()
    {
        _app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        _app.MapGet("/dashboard.js", () => Asset("dashboard.js", "text/javascript; charset=utf-8"));
        _app.MapGet("/dashboard.css", () => Asset("dashboard.css", "text/css; charset=utf-8"));
        _app.MapGet("/api/status", () => Results.Json(State.Snapshot(), Json));
        _app.MapGet("/api/events", StreamAsync);
        _app.MapPrometheusScrapingEndpoint("/metrics");
    }

    /// <summary>
    /// Server-sent events: `snapshot` (the whole status) at once, then `update` (the status with only the curve points
    /// the client lacks) at each change, at most four a second, and a comment every 15 s to keep the connection open.
    /// </summary>
    private async Task StreamAsync(HttpContext http)
    {
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        // Stopping only ends the waits: a write cancelled half-way makes Kestrel abort the connection (the client sees a
        // reset instead of the run's last state), so writes stop only when the client goes away.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
        var wait = stop.Token;
        var gone = http.RequestAborted;
        int steps = 0, epochs = 0;
        Interlocked.Increment(ref _streams);
        try
        {
            var changed = State.Changed;
            var first = State.Snapshot();
            steps = first.Curves.Steps.Count;
            epochs = first.Curves.Epochs.Count;
            await SendAsync(http, "snapshot", first, gone);
            while (!wait.IsCancellationRequested)
            {
                try
                {
                    var woke = await Task.WhenAny(changed, Task.Delay(KeepAlive, wait));
                    if (woke != changed)
                    {
                        wait.ThrowIfCancellationRequested();
                        await http.Response.WriteAsync(": keep-alive\n\n", gone);
                        await http.Response.Body.FlushAsync(gone);
                        continue;
                    }
                    await Task.Delay(UpdateInterval, wait);
                }
                catch (OperationCanceledException) when (wait.IsCancellationRequested)
                {
                    break;
                }
                changed = State.Changed;
                var status = State.Snapshot(steps, epochs);
                steps += status.Curves.Steps.Count;
                epochs += status.Curves.Epochs.Count;
                await SendAsync(http, "update", status, gone);
            }
            if (_stopping.IsCancellationRequested && !gone.IsCancellationRequested)
            {
                // The program is ending: the client gets the run's last state (done, failed, interrupted) before the stream closes.
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(gone);
                limit.CancelAfter(TimeSpan.FromSeconds(1));
                await SendAsync(http, "update", State.Snapshot(steps, epochs), limit.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away (or the last update took more than a second).
        }
        finally
        {
            Interlocked.Decrement(ref _streams);
        }
    }

    private static async Task SendAsync(HttpContext http, string name, DashboardStatus status, CancellationToken cancel)
    {
        await http.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(status, Json)}\n\n", cancel);
        await http.Response.Body.FlushAsync(cancel);
    }

    private static IResult Asset(string name, string contentType)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + name)
            ?? throw new InvalidOperationException($"the dashboard's {name} is not embedded in the program");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Results.Bytes(copy.ToArray(), contentType);
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        // Each open stream sends its last update (at most a second), then Kestrel stops.
        for (int waited = 0; Volatile.Read(ref _streams) > 0 && waited < 20; waited++)
        {
            await Task.Delay(50);
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        _metrics.Dispose();
        _stopping.Dispose();
    }
}
