using Akka.Actor;
using Akka.Discovery;
using k8s;
using k8s.Models;

namespace DistNN.Training.Cluster;

/// <summary>
/// Akka.Discovery through the Kubernetes API: the pods of a namespace that carry the label selector (its {0} is the
/// looked-up service name), each as its pod IP and the container port named as the lookup's port name. Pods that have
/// ended (Succeeded, Failed), are being deleted or have no IP yet are left out. In a pod, the API, its CA, the token and
/// the namespace are the service account's; <c>api-url</c> names another API (plain HTTP, tests).
/// Akka.Discovery.KubernetesApi 1.5.73 is not used: it is built against KubernetesClient 17, and with the KubernetesClient
/// that restores (19) every lookup fails with a MissingMethodException (seen on a real cluster, docs/containers.md).
/// </summary>
public sealed class KubernetesPodDiscovery : ServiceDiscovery
{
    /// <summary>Where this plugin's settings live (akka.discovery.method names it).</summary>
    public const string ConfigPath = "akka.discovery.distnn-kubernetes";

    private readonly Kubernetes _client;

    private readonly string _namespace;

    private readonly string _selector;

    public KubernetesPodDiscovery(ExtendedActorSystem system)
    {
        var config = system.Settings.Config.GetConfig(ConfigPath);
        _selector = config.GetString("pod-label-selector");
        string apiUrl = config.GetString("api-url", "");
        var client = apiUrl.Length > 0
            ? new KubernetesClientConfiguration { Host = apiUrl, Namespace = "default" }
            : KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : throw new InvalidOperationException("Kubernetes discovery runs in a pod (KUBERNETES_SERVICE_HOST and the service account's token); "
                    + $"none here, and {ConfigPath}.api-url is not set");
        string configured = config.GetString("pod-namespace", "");
        _namespace = configured.Length > 0 ? configured : client.Namespace ?? "default";
        _client = new Kubernetes(client);
    }

    public override async Task<Resolved> Lookup(Lookup lookup, TimeSpan resolveTimeout)
    {
        using var timeout = new CancellationTokenSource(resolveTimeout);
        string selector = string.Format(System.Globalization.CultureInfo.InvariantCulture, _selector, lookup.ServiceName);
        var pods = await _client.CoreV1.ListNamespacedPodAsync(_namespace, labelSelector: selector, cancellationToken: timeout.Token).ConfigureAwait(false);
        return new Resolved(lookup.ServiceName, Targets(pods.Items, lookup.PortName));
    }

    /// <summary>The live pods with an IP, each with the container port named <paramref name="portName"/> (none: no port).</summary>
    public static List<ResolvedTarget> Targets(IEnumerable<V1Pod> pods, string? portName) => pods
        .Where(p => p.Metadata?.DeletionTimestamp is null && !string.IsNullOrEmpty(p.Status?.PodIP) && p.Status.Phase is not ("Succeeded" or "Failed"))
        .Select(p =>
        {
            var port = (p.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).FirstOrDefault(c => c.Name == portName);
            var ip = System.Net.IPAddress.Parse(p.Status.PodIP);
            return new ResolvedTarget(p.Status.PodIP, port?.ContainerPort, ip);
        })
        .ToList();
}
