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
        using var api = new FakeKubernetesApi([
            FakeKubernetesApi.Pod("ps-0", "Running", "10.1.0.7", 4053), FakeKubernetesApi.Pod("worker-a", "Running", "10.1.0.3", 4053),
            FakeKubernetesApi.Pod("coordinator-old", "Succeeded", "10.1.0.2", 4053), FakeKubernetesApi.Pod("worker-b", "Pending", null, 4053)]);
        var system = await StartAsync(NodeRole.Worker, FreePort(), [], BootstrapSettings.Kubernetes, KubernetesApiAt(api));

        var resolved = await Akka.Discovery.Discovery.Get(system).Default
            .Lookup(new Akka.Discovery.Lookup("distnn-spec", ClusterBootstrapHosting.RemotingPortName, "tcp"), TimeSpan.FromSeconds(10));

        // The pods that have ended or have no IP yet are left out; each live one is its IP and its port named remoting.
        Assert.Equal(["10.1.0.3:4053", "10.1.0.7:4053"], resolved.Addresses.Select(t => $"{t.Host}:{t.Port}").Order());
        Assert.Contains(api.Asked, q => q.StartsWith("/api/v1/namespaces/distnn-spec/pods?", StringComparison.Ordinal)
            && q.Contains("labelSelector=app.kubernetes.io/part-of=distnn-spec", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Nodes_whose_first_kubernetes_lookups_time_out_retry_and_form_one_cluster()
    {
        // A loaded machine: the API answers each node's first lookup after the join's lookup timeout (5 s).
        int[] remoting = [FreePort(), FreePort()];
        using var api = new FakeKubernetesApi(remoting.Select((p, i) => FakeKubernetesApi.Pod($"node-{i}", "Running", "127.0.0.1", p)), slowFirst: 2,
            delay: TimeSpan.FromSeconds(8));
        var coordinator = await StartAsync(NodeRole.Coordinator, remoting[0], [], BootstrapSettings.Kubernetes, KubernetesApiAt(api));
        var worker = await StartAsync(NodeRole.Worker, remoting[1], [], BootstrapSettings.Kubernetes, KubernetesApiAt(api));
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();

        await Task.WhenAll(DiscoveryJoin.RunAsync(coordinator, _options[coordinator], log.Enqueue, CancellationToken.None),
            DiscoveryJoin.RunAsync(worker, _options[worker], log.Enqueue, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(60));

        await AwaitAssertAsync(() => Assert.All(new[] { coordinator, worker },
            s => Assert.Equal(2, Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up))), TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(250));
        Assert.Contains(log, l => l.Contains("failed", StringComparison.Ordinal) && l.Contains("retrying", StringComparison.Ordinal));
    }

    private static Config KubernetesApiAt(FakeKubernetesApi api) =>
        ConfigurationFactory.ParseString($"{KubernetesPodDiscovery.ConfigPath} {{ api-url = \"{api.Url}\", pod-namespace = distnn-spec }}");

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
