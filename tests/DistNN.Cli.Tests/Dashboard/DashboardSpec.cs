using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Json.Schema;

namespace DistNN.Cli.Tests.Dashboard;

/// <summary>`distnn train --dashboard`: the status JSON against its documented schema, the event stream, /metrics as Prometheus text.</summary>
[Collection(DashboardRunCollection.Name)]
public class DashboardSpec(DashboardRun run)
{
    [Fact]
    public async Task The_status_follows_its_documented_schema_and_counts_steps_members_and_curves()
    {
        using var status = await run.StatusWhenAsync(s => s.GetProperty("curves").GetProperty("epochs").GetArrayLength() >= 1);
        var schema = JsonSchema.FromFile(Path.Combine(Distnn.RepositoryRoot(), "docs", "dashboard-status.schema.json"));

        var result = schema.Evaluate(status.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .Select(d => $"{d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}")) + "\n" + status.RootElement);
        var root = status.RootElement;
        Assert.Equal("training", root.GetProperty("state").GetString());
        Assert.Equal(6000, root.GetProperty("run").GetProperty("train_samples").GetInt32());
        Assert.Equal(94, root.GetProperty("progress").GetProperty("steps_per_epoch").GetInt32());
        Assert.True(root.GetProperty("progress").GetProperty("steps_done").GetInt64() >= 94);
        var roles = root.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("role").GetString()!).Order().ToArray();
        Assert.Equal(["coordinator", "ps", "worker"], roles);
        var worker = Assert.Single(root.GetProperty("workers").EnumerateArray());
        Assert.Equal("worker-0", worker.GetProperty("name").GetString());
        Assert.True(worker.GetProperty("steps").GetInt64() >= 94);
        Assert.True(worker.GetProperty("ms_compute_per_batch").GetDouble() > 0);
        Assert.NotEmpty(root.GetProperty("curves").GetProperty("steps").EnumerateArray());
    }

    [Fact]
    public async Task The_event_stream_sends_a_snapshot_then_updates_holding_only_new_points()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(run.Url, "api/events"));
        using var response = await run.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var (firstName, first) = await NextEventAsync(reader);
        var (secondName, second) = await NextEventAsync(reader);

        Assert.Equal("snapshot", firstName);
        Assert.Equal("update", secondName);
        double lastX = first.RootElement.GetProperty("curves").GetProperty("steps").EnumerateArray().Select(p => p.GetProperty("x").GetDouble()).DefaultIfEmpty(-1).Max();
        Assert.All(second.RootElement.GetProperty("curves").GetProperty("steps").EnumerateArray(), p => Assert.True(p.GetProperty("x").GetDouble() > lastX));
        Assert.True(second.RootElement.GetProperty("progress").GetProperty("steps_done").GetInt64()
            >= first.RootElement.GetProperty("progress").GetProperty("steps_done").GetInt64());
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_steps_samples_loss_bytes_and_failures_per_node()
    {
        // The run may not have reported worker-0's first step yet (its series appears with it): scraped until it has.
        var limit = DateTime.UtcNow.AddMinutes(1);
        var first = PrometheusText.Parse(await run.Http.GetStringAsync(new Uri(run.Url, "metrics")));
        while (!first.Named("distnn_steps_total").Any(s => s.Labels.GetValueOrDefault("node") == "worker-0") && DateTime.UtcNow < limit)
        {
            await Task.Delay(200);
            first = PrometheusText.Parse(await run.Http.GetStringAsync(new Uri(run.Url, "metrics")));
        }
        double stepsBefore = Assert.Single(first.Named("distnn_steps_total"), s => s.Labels.GetValueOrDefault("node") == "worker-0").Value;

        PrometheusText.Exposition later;
        limit = DateTime.UtcNow.AddMinutes(1);
        do
        {
            await Task.Delay(500);
            later = PrometheusText.Parse(await run.Http.GetStringAsync(new Uri(run.Url, "metrics")));
        }
        while (later.Named("distnn_steps_total").Single().Value <= stepsBefore && DateTime.UtcNow < limit);

        Assert.True(later.Named("distnn_steps_total").Single().Value > stepsBefore, "the step counter did not advance");
        Assert.Equal("counter", later.Types["distnn_steps_total"]);
        Assert.Equal("counter", later.Types["distnn_pushed_bytes_total"]);
        Assert.Equal("counter", later.Types["distnn_pulled_bytes_total"]);
        Assert.Equal("counter", later.Types["distnn_failures_total"]);
        Assert.Equal("gauge", later.Types["distnn_samples_per_second"]);
        Assert.Equal("gauge", later.Types["distnn_train_loss"]);
        Assert.True(later.Named("distnn_samples_per_second").Single(s => s.Labels["node"] == "worker-0").Value > 0);
        Assert.True(later.Named("distnn_samples_total").Single(s => s.Labels["node"] == "worker-0").Value > 0);
        Assert.InRange(later.Named("distnn_train_loss").Single().Value, 0, 10);
        Assert.Equal(0, later.Named("distnn_failures_total").Single().Value);
        Assert.Equal(0, later.Named("distnn_pushed_bytes_total").Single(s => s.Labels["node"] == "worker-0").Value);
    }

    [Fact]
    public void A_dashboard_port_in_use_is_bad_usage_naming_the_port()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var r = Distnn.Run("train", "--data-dir", Distnn.MnistDir(), "--train-limit", "200", "--epochs", "1", "--threads", "1", "--no-progress",
            "--dashboard", port.ToString());

        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"--dashboard {port}: cannot listen on 127.0.0.1:{port}", r.Stderr);
    }

    private static async Task<(string Name, JsonDocument Data)> NextEventAsync(StreamReader reader)
    {
        string? name = null;
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (await reader.ReadLineAsync(limit.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
            {
                return (name, JsonDocument.Parse(line["data: ".Length..]));
            }
        }
        throw new EndOfStreamException("the event stream ended");
    }
}
