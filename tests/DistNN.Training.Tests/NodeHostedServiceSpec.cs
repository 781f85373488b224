using Akka.Actor;
using Akka.Hosting;
using DistNN.Training.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistNN.Training.Tests;

/// <summary>
/// What a node's exit code relies on: Akka.Hosting's termination hook writes <c>Environment.ExitCode = -1</c> after a
/// cluster leave, and <see cref="NodeHostedService"/> signals only once that write is done, so the node's own code
/// (Main's return, after the wait) is the last word instead of a late -1 (exit 255).
/// </summary>
public sealed class NodeHostedServiceSpec
{
    [Fact]
    public async Task The_signal_comes_after_Akka_Hostings_exit_code_write_of_a_cluster_leave()
    {
        int before = Environment.ExitCode;
        using var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services
                .AddSingleton<NodeHostedService.HookSignal>()
                .AddAkka<NodeHostedService>("hook-spec", (_, _) => { }))
            .Build();
        await host.StartAsync();
        var signal = host.Services.GetRequiredService<NodeHostedService.HookSignal>();
        var system = host.Services.GetRequiredService<ActorSystem>();
        try
        {
            Environment.ExitCode = 0;
            Assert.False(signal.TerminationHookRan.IsCompleted);

            await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            await signal.TerminationHookRan.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(-1, Environment.ExitCode);
            await host.StopAsync();
        }
        finally
        {
            Environment.ExitCode = before;
        }
    }
}
