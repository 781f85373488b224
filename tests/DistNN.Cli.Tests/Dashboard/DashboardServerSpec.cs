using System.Text.Json;
using DistNN.Cli.Dashboard;
using DistNN.Training.Engine;

namespace DistNN.Cli.Tests.Dashboard;

/// <summary>The dashboard's server in this process, fed events by hand.</summary>
public class DashboardServerSpec
{
    [Fact]
    public async Task An_open_event_stream_gets_the_runs_last_state_before_the_server_stops()
    {
        var state = new DashboardState(new RunDescription("mlp", "mnist", "adam", 0.001, "actors", "sync", 1, 1, 64, 1, 640, 100, DateTimeOffset.Now));
        var server = await DashboardServer.StartAsync(state, 0);
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(server.Address, "api/events"), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: snapshot", await reader.ReadLineAsync());

        state.Listen(new StepProgress(1, 1, 320, 640, 0.5, 0.8, 1000, [new WorkerRate("worker-0", 1000, 320, 1, 1, 5)], 5, 10));
        state.End("done", null);
        await server.DisposeAsync();

        var events = new List<string>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(limit.Token) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line["data: ".Length..]);
            }
        }
        using var last = JsonDocument.Parse(events[^1]);
        Assert.Equal("done", last.RootElement.GetProperty("state").GetString());
        Assert.Equal(5, last.RootElement.GetProperty("progress").GetProperty("steps_done").GetInt64());
    }

    [Fact]
    public void An_epoch_trained_again_after_a_rollback_adds_no_second_point_to_the_curves()
    {
        var state = new DashboardState(new RunDescription("mlp", "mnist", "adam", 0.001, "cluster", "sync", 2, 2, 64, 2, 640, 100, DateTimeOffset.Now));
        var first = new EpochCompleted(1, 2, 0.5, 0.8, 0.4, 0.85, 1000, 3, 0.001, 640, SamplesApplied: 640);

        state.Listen(first);
        state.Listen(new RolledBack("rolled back to the run's start (no checkpoint yet) after parameter server 1 stopped: 800 samples are trained again"));
        state.Listen(first with { TestAccuracy = 0.86, Replayed = true });
        state.Listen(first with { Epoch = 2, TestAccuracy = 0.9 });

        Assert.Equal([(1, 0.85), (2, 0.9)], state.Snapshot().Curves.Epochs.Select(e => (e.Epoch, e.TestAccuracy)).ToArray());
    }

    [Fact]
    public async Task Refused_pushes_are_counted_per_worker_in_the_status_and_in_metrics()
    {
        var state = new DashboardState(new RunDescription("mlp", "mnist", "adam", 0.001, "cluster", "sync", 2, 1, 64, 1, 640, 100, DateTimeOffset.Now));
        await using var server = await DashboardServer.StartAsync(state, 0);
        state.Listen(new StepProgress(1, 1, 128, 640, 0.5, 0.8, 1000, [new WorkerRate("w-1", 500, 64), new WorkerRate("w-2", 500, 64)], 2, 10));

        state.Listen(new PushRefused("w-1", "ps-0 does not count w-1 (incarnation 1) as live"));
        state.Listen(new PushRefused("w-1", "ps-0 does not count w-1 (incarnation 1) as live"));

        using var http = new HttpClient();
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.Address, "api/status")));
        var refused = status.RootElement.GetProperty("workers").EnumerateArray()
            .ToDictionary(w => w.GetProperty("name").GetString()!, w => w.GetProperty("pushes_refused").GetInt64());
        Assert.Equal(2, refused["w-1"]);
        Assert.Equal(0, refused["w-2"]);
        var metrics = PrometheusText.Parse(await http.GetStringAsync(new Uri(server.Address, "metrics")));
        Assert.Equal("counter", metrics.Types["distnn_pushes_refused_total"]);
        Assert.Equal(2, metrics.Named("distnn_pushes_refused_total").Single(s => s.Labels["node"] == "w-1").Value);
        Assert.Equal(0, metrics.Named("distnn_pushes_refused_total").Single(s => s.Labels["node"] == "w-2").Value);
    }
}
