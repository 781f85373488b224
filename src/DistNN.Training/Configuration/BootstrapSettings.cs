using Akka.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>distnn.bootstrap: forming the cluster from the addresses Akka.Discovery lists instead of seed addresses.</summary>
[SettingsPath(Section)]
public sealed record BootstrapSettings
{
    public const string Section = "distnn.bootstrap";

    /// <summary>Pods listed by the Kubernetes API.</summary>
    public const string Kubernetes = "kubernetes";

    /// <summary>Endpoints listed in akka.discovery.config.services (fixed lists, tests).</summary>
    public const string ConfigList = "config";

    /// <summary>"" (off: seed nodes), <see cref="Kubernetes"/> or <see cref="ConfigList"/>.</summary>
    public required string Discovery { get; init; }

    /// <summary>The name discovery looks up: the pods' label value, or the services key.</summary>
    public required string ServiceName { get; init; }

    /// <summary>Nodes that must be found before the cluster is formed.</summary>
    public required int RequiredContactPoints { get; init; }

    /// <summary>kubernetes: the label selector of the cluster's pods, {0} standing for <see cref="ServiceName"/>.</summary>
    public required string PodLabelSelector { get; init; }

    /// <summary>True when a discovery method is set: the node bootstraps instead of joining seed nodes.</summary>
    public bool UsesDiscovery() => Discovery.Length > 0;

    public static BootstrapSettings From(Config config) => new()
    {
        Discovery = ConfigRead.String(config, Section + ".discovery"),
        ServiceName = ConfigRead.String(config, Section + ".service-name"),
        RequiredContactPoints = ConfigRead.Int(config, Section + ".required-contact-points"),
        PodLabelSelector = ConfigRead.String(config, Section + ".pod-label-selector"),
    };
}
