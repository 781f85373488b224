using Akka.Actor;
using Akka.Discovery;
using DistNN.Training.Configuration;

namespace DistNN.Training.Cluster;

/// <summary>
/// Joins a node that has no seed addresses: asks discovery every second for the cluster's Akka.Remote addresses and,
/// once the same list of at least <see cref="BootstrapSettings.RequiredContactPoints"/> has come back twice, hands it
/// to Akka.Cluster as seed nodes in address order. Akka's seed-node protocol then decides: the lowest address starts
/// the cluster only if none of the others answers (it joins an existing cluster otherwise); the rest join whoever does.
/// </summary>
public static class DiscoveryJoin
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);

    /// <summary>Runs until the seeds have been handed over (the cluster joins by itself from there) or <paramref name="cancel"/>.</summary>
    public static async Task RunAsync(ActorSystem system, ClusterNodeOptions options, Action<string> log, CancellationToken cancel)
    {
        var bootstrap = options.Bootstrap ?? throw new ArgumentException("DiscoveryJoin needs ClusterNodeOptions.Bootstrap");
        var cluster = Akka.Cluster.Cluster.Get(system);
        var discovery = Discovery.Get(system).Default;
        var lookup = new Lookup(bootstrap.ServiceName, ClusterBootstrapHosting.RemotingPortName, "tcp");
        string scheme = options.Tls is null ? "akka.tcp" : "akka.ssl.tcp";
        IReadOnlyList<Address> previous = [];
        while (!cancel.IsCancellationRequested)
        {
            IReadOnlyList<Address> found;
            try
            {
                var resolved = await discovery.Lookup(lookup, TimeSpan.FromSeconds(5));
                found = resolved.Addresses
                    .Where(t => t.Port is not null)
                    .Select(t => new Address(scheme, ClusterNodeOptions.SystemName, t.Address?.ToString() ?? t.Host, t.Port))
                    .Distinct().OrderBy(a => a, Akka.Cluster.Member.AddressOrdering).ToList();
            }
            catch (Exception e) when (!cancel.IsCancellationRequested)
            {
                // A lookup that timed out is cancelled too: retried like any failure (a starved pod's first call to the
                // Kubernetes API can take longer than the lookup's timeout), not the end of the join.
                log($"discovery ({bootstrap.Discovery}) of '{bootstrap.ServiceName}' failed: {e.GetBaseException().Message}; retrying");
                found = [];
            }
            if (found.Count >= bootstrap.RequiredContactPoints && found.SequenceEqual(previous))
            {
                log($"discovered {found.Count} node(s) as '{bootstrap.ServiceName}': {string.Join(", ", found)}; joining them");
                cluster.JoinSeedNodes(found);
                return;
            }
            previous = found;
            await Task.Delay(s_interval, cancel).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
