using Akka.Configuration;
using Akka.Hosting;
using DistNN.Training.Configuration;

namespace DistNN.Training.Cluster;

/// <summary>
/// The discovery a node without seed addresses lists the cluster's nodes with (<see cref="DiscoveryJoin"/> joins them):
/// the Kubernetes API's pods, or a fixed list from the node's HOCON.
/// </summary>
public static class ClusterBootstrapHosting
{
    /// <summary>The container port Kubernetes discovery reads from each pod: Akka.Remote's.</summary>
    public const string RemotingPortName = "remoting";

    public static AkkaConfigurationBuilder WithDistNNBootstrap(this AkkaConfigurationBuilder builder, ClusterNodeOptions options, BootstrapSettings bootstrap)
    {
        if (bootstrap.Discovery == BootstrapSettings.Kubernetes)
        {
            // Pod IPs, not pod DNS names: a node announces its IP (status.podIP), and addresses must match exactly.
            string selector = bootstrap.PodLabelSelector.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
            return builder.AddHocon(ConfigurationFactory.ParseString($$"""
                akka.discovery.method = distnn-kubernetes
                {{KubernetesPodDiscovery.ConfigPath}} {
                  class = "{{typeof(KubernetesPodDiscovery).AssemblyQualifiedName}}"
                  pod-label-selector = "{{selector}}"
                }
                """), HoconAddMode.Prepend);
        }
        string path = ConfigEndpointsPath(bootstrap);
        if (!options.Hocon.HasPath(path) || options.Hocon.GetStringList(path).Count == 0)
        {
            throw new ArgumentException($"--discovery config lists the nodes in {path} (host:port of Akka.Remote each, in the --config file); it is empty");
        }
        return builder.AddHocon(ConfigurationFactory.ParseString("akka.discovery.method = config"), HoconAddMode.Prepend);
    }

    /// <summary>config discovery: where the node's HOCON lists the cluster's nodes.</summary>
    public static string ConfigEndpointsPath(BootstrapSettings bootstrap) => $"akka.discovery.config.services.{bootstrap.ServiceName}.endpoints";
}
