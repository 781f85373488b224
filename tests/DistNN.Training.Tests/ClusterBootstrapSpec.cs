using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.Hosting;
using DistNN.Training.Cluster;
using DistNN.Training.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistNN.Training.Tests;

/// <summary>
/// Forming the cluster without seed addresses (the Kubernetes deployment's way): nodes hosted with
/// <see cref="ClusterHosting.WithDistNNCluster"/> and no seeds find each other through Akka.Discovery
/// (<see cref="DiscoveryJoin"/>) and form one cluster. Config discovery stands in for the Kubernetes API.
/// </summary>
public sealed class ClusterBootstrapSpec : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private readonly List<IHost> _hosts = [];

    private readonly Dictionary<ActorSystem, ClusterNodeOptions> _options = [];

    public ClusterBootstrapSpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public async Task Two_nodes_without_seeds_find_each_other_through_discovery_and_form_one_cluster()
    {
        int[] remoting = [FreePort(), FreePort()];
        var endpoints = remoting.Select(p => $"127.0.0.1:{p}").ToArray();
        var coordinator = await StartAsync(NodeRole.Coordinator, remoting[0], endpoints);
        var worker = await StartAsync(NodeRole.Worker, remoting[1], endpoints);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();

        await Task.WhenAll(DiscoveryJoin.RunAsync(coordinator, _options[coordinator], log.Enqueue, CancellationToken.None),
            DiscoveryJoin.RunAsync(worker, _options[worker], log.Enqueue, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(60));

        await AwaitAssertAsync(() =>
        {
            foreach (var system in new[] { coordinator, worker })
            {
                var up = Akka.Cluster.Cluster.Get(system).State.Members.Where(m => m.Status == MemberStatus.Up).ToList();
                Assert.Equal(2, up.Count);
                Assert.Equal(["coordinator", "worker"], up.SelectMany(m => m.Roles).Order());
            }
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        // Nobody was told a seed: both took the discovered list, lowest address first.
        Assert.Empty(coordinator.Settings.Config.GetStringList("akka.cluster.seed-nodes"));
        var joined = log.Where(l => l.Contains("joining them", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, joined.Count);
        Assert.All(joined, l => Assert.Contains(string.Join(", ", remoting.Order().Select(p => $"akka.tcp://distnn@127.0.0.1:{p}")), l));
    }

    [Fact]
    public async Task Kubernetes_discovery_lists_the_live_pods_by_label_with_their_ip_and_remoting_port()
    {
        // A stand-in for the Kubernetes API: the pods' list of namespace distnn-spec, as the API server answers it.
        using var api = new HttpListener();
        int apiPort = FreePort();
        api.Prefixes.Add($"http://127.0.0.1:{apiPort}/");
        api.Start();
        var asked = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _ = Task.Run(async () =>
        {
            while (api.IsListening)
            {
                var context = await api.GetContextAsync();
                asked.Enqueue(Uri.UnescapeDataString(context.Request.Url!.PathAndQuery));
                byte[] body = System.Text.Encoding.UTF8.GetBytes(PodList(
                    Pod("ps-0", "Running", "10.1.0.7", 4053), Pod("worker-a", "Running", "10.1.0.3", 4053),
                    Pod("coordinator-old", "Succeeded", "10.1.0.2", 4053), Pod("worker-b", "Pending", null, 4053)));
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
        var hocon = ConfigurationFactory.ParseString($"{KubernetesPodDiscovery.ConfigPath} {{ api-url = \"http://127.0.0.1:{apiPort}\", pod-namespace = distnn-spec }}");
        var system = await StartAsync(NodeRole.Worker, FreePort(), [], BootstrapSettings.Kubernetes, hocon);

        var resolved = await Akka.Discovery.Discovery.Get(system).Default
            .Lookup(new Akka.Discovery.Lookup("distnn-spec", ClusterBootstrapHosting.RemotingPortName, "tcp"), TimeSpan.FromSeconds(10));

        // The pods that have ended or have no IP yet are left out; each live one is its IP and its port named remoting.
        Assert.Equal(["10.1.0.3:4053", "10.1.0.7:4053"], resolved.Addresses.Select(t => $"{t.Host}:{t.Port}").Order());
        Assert.Contains(asked, q => q.StartsWith("/api/v1/namespaces/distnn-spec/pods?", StringComparison.Ordinal)
            && q.Contains("labelSelector=app.kubernetes.io/part-of=distnn-spec", StringComparison.Ordinal));
        api.Stop();
    }

    private static string Pod(string name, string phase, string? ip, int port)
    {
        string podIp = ip is null ? "" : $", \"podIP\": \"{ip}\"";
        return "{\"metadata\": {\"name\": \"" + name + "\", \"labels\": {\"app.kubernetes.io/part-of\": \"distnn-spec\"}}, "
            + "\"spec\": {\"containers\": [{\"name\": \"node\", \"ports\": [{\"name\": \"remoting\", \"containerPort\": " + port + "}, "
            + "{\"name\": \"data\", \"containerPort\": 5053}]}]}, \"status\": {\"phase\": \"" + phase + "\"" + podIp + "}}";
    }

    private static string PodList(params string[] pods) => $$"""{"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [{{string.Join(", ", pods)}}]}""";

    [Fact]
    public async Task Config_discovery_without_endpoints_is_an_error_naming_the_key()
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(NodeRole.Worker, FreePort(), []));

        Assert.Contains("akka.discovery.config.services.distnn-spec.endpoints", Flatten(e));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    private async Task<ActorSystem> StartAsync(NodeRole role, int port, string[] endpoints, string discovery = BootstrapSettings.ConfigList, Config? extra = null)
    {
        var hocon = endpoints.Length == 0
            ? extra ?? Config.Empty
            : ConfigurationFactory.ParseString($"akka.discovery.config.services.distnn-spec.endpoints = [{string.Join(", ", endpoints.Select(e => $"\"{e}\""))}]");
        var bootstrap = BootstrapSettings.From(DistNNReference.Values(
            (BootstrapSettings.Section + ".discovery", discovery),
            (BootstrapSettings.Section + ".service-name", "distnn-spec"),
            (BootstrapSettings.Section + ".required-contact-points", "2")).WithFallback(DistNNReference.Config));
        var options = new ClusterNodeOptions
        {
            Role = role,
            Host = "127.0.0.1",
            PublicHost = "",
            Port = port,
            Seeds = [],
            Bootstrap = bootstrap,
            DataPort = 0,
            DataDir = "",
            Name = "",
            Threads = 1,
            JoinTimeout = TimeSpan.FromSeconds(60),
            LeaveTimeout = TimeSpan.FromSeconds(5),
            MaxFrameSize = 128_000,
            Hocon = hocon.WithFallback(DistNNReference.Config),
        };
        var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddAkka(ClusterNodeOptions.SystemName, builder => builder.WithDistNNCluster(options)))
            .Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }
        _hosts.Add(host);
        var system = host.Services.GetRequiredService<ActorSystem>();
        _options[system] = options;
        return system;
    }

    private static string Flatten(Exception? e)
    {
        var text = new List<string>();
        for (; e is not null; e = e.InnerException)
        {
            text.Add(e.Message);
        }
        return string.Join(" / ", text);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
