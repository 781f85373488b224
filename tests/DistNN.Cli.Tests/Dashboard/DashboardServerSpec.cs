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
}
