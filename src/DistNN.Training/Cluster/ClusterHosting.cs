using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using DistNN.Training.Carriers;
using DistNN.Training.Hosting;
using DistNN.Transport.Security;

namespace DistNN.Training.Cluster;

/// <summary>Akka wiring of a cluster node: Akka.Remote, Akka.Cluster with its role, seeds and split-brain resolver, DistNN's serializer and dispatchers.</summary>
public static class ClusterHosting
{
    /// <summary>
    /// Remoting on <see cref="ClusterNodeOptions.Host"/>:<see cref="ClusterNodeOptions.Port"/> (announced as the public
    /// host), the cluster with the node's roles and seed nodes (or cluster bootstrap, <see cref="ClusterBootstrapHosting"/>)
    /// and the split-brain resolver keeping the majority, the maximum frame (the remote carrier's pieces must fit it),
    /// DistNN's serializer and a compute dispatcher with <paramref name="computeThreads"/> threads; a node that runs a ps
    /// (--role ps, or a combination with ps) also starts its tensor data plane. The HOCON file's own merged configuration
    /// (<see cref="ClusterNodeOptions.Hocon"/>: its layers over reference.conf) comes below these.
    /// </summary>
    public static AkkaConfigurationBuilder WithDistNNCluster(this AkkaConfigurationBuilder builder, ClusterNodeOptions options, int computeThreads = 1)
    {
        var remote = new RemoteOptions
        {
            HostName = options.Host,
            PublicHostName = options.AnnouncedHost,
            Port = options.Port,
            MaxFrameSize = (int)Math.Min(int.MaxValue, options.MaxFrameSize),
        };
        if (options.Tls is { } tls)
        {
            // Both ends present a certificate; the peer's must chain to the cluster's CA (NodeTls.Validate).
            remote.EnableSsl = true;
            builder.AddSetup(new DataPlaneTlsSetup(tls));
            remote.Ssl = new SslOptions
            {
                X509Certificate = tls.Certificate,
                SuppressValidation = false,
                RequireMutualAuthentication = true,
                CustomValidator = tls.Validate,
            };
        }
        builder
            .AddHocon(options.Hocon, HoconAddMode.Prepend)
            .WithRemoting(remote)
            .WithClustering(new ClusterOptions
            {
                Roles = options.RoleNames.Split(','),
                SeedNodes = options.Seeds.ToArray(),
                SplitBrainResolver = new KeepMajorityOption(),
            })
            .WithDistNNSerializer()
            .WithDistNNDispatchers(computeThreads);
        if (options.Bootstrap is { } bootstrap)
        {
            builder.WithDistNNBootstrap(options, bootstrap);
        }
        if (options.RunsPs)
        {
            builder.WithTensorDataPlane(options.Host, options.DataPort, options.AnnouncedHost);
        }
        return builder;
    }
}
