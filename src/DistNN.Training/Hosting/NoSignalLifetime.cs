using Microsoft.Extensions.Hosting;

namespace DistNN.Training.Hosting;

/// <summary>
/// A host lifetime that leaves SIGINT and SIGTERM alone: the program handles them (<see cref="Interruption"/>);
/// the default console lifetime would stop the ActorSystem under a run that then never ends.
/// </summary>
public sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
