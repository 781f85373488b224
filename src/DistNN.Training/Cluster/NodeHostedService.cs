using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistNN.Training.Cluster;

/// <summary>
/// Akka.Hosting's service for a cluster node, whose exit code stays the node's own. Akka.Hosting's termination hook sets
/// <c>Environment.ExitCode = -1</c> once the ActorSystem has terminated for a cluster leave or downing, on a thread-pool
/// continuation; landing after Main returned the node's code, that write made the process exit 255 (docs/failures.md).
/// The hook calls <see cref="IHostApplicationLifetime.StopApplication"/> right after that write: this service hands it a
/// lifetime that completes <see cref="TerminationHookRan"/> there, and <see cref="ClusterNode"/> waits for it.
/// </summary>
public sealed class NodeHostedService(AkkaConfigurationBuilder builder, IServiceProvider services, ILogger<AkkaHostedService> logger,
    IHostApplicationLifetime lifetime, NodeHostedService.HookSignal signal)
    : AkkaHostedService(builder, services, logger, new SignallingLifetime(lifetime, signal))
{
    /// <summary>Completed when Akka.Hosting's termination hook has run (and with it any write of the exit code).</summary>
    public sealed class HookSignal
    {
        private readonly TaskCompletionSource _ran = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task TerminationHookRan => _ran.Task;

        internal void Ran() => _ran.TrySetResult();
    }

    private sealed class SignallingLifetime(IHostApplicationLifetime inner, HookSignal signal) : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => inner.ApplicationStarted;

        public CancellationToken ApplicationStopping => inner.ApplicationStopping;

        public CancellationToken ApplicationStopped => inner.ApplicationStopped;

        public void StopApplication()
        {
            signal.Ran();
            inner.StopApplication();
        }
    }
}
