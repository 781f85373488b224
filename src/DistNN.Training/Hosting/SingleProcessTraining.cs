using Akka.Actor;
using Akka.Hosting;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Plan;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistNN.Training.Hosting;

/// <summary>`distnn train` without a cluster: the same actors in one ActorSystem, messages passed by reference.</summary>
public static class SingleProcessTraining
{
    public static async Task<(TrainingSummary Summary, Nn.Models.Sequential? Model)> RunAsync(
        TrainingPlan plan, IDataSource data, Action<TrainingEvent>? listener, CancellationToken cancel = default)
    {
        var run = new TrainingRun(plan, data, listener);
        return (await RunAsync(run, cancel), run.FinalModel);
    }

    /// <summary>
    /// Runs <paramref name="run"/> to its summary. Cancelled, it throws <see cref="OperationCanceledException"/> once the
    /// actors have stopped; <see cref="TrainingRun.FinalModel"/> then holds the model of the last finished epoch, if any.
    /// </summary>
    public static async Task<TrainingSummary> RunAsync(TrainingRun run, CancellationToken cancel = default)
    {
        using var host = new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services => services.AddSingleton<IHostLifetime, NoSignalLifetime>().AddAkka("distnn", builder => builder
                .WithSingleProcessTraining(run)))
            .Build();
        await host.StartAsync(cancel);
        try
        {
            using var registration = cancel.Register(() => _ = StopAsync());
            async Task StopAsync()
            {
                // A run with checkpoints keeps one of the moment it was stopped (at most a few seconds' wait).
                if (run.Checkpoints is not null)
                {
                    var coordinator = host.Services.GetRequiredService<ActorRegistry>().Get<CoordinatorKey>();
                    var folder = $"interrupt-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
                    await coordinator.Ask<Checkpoints.ManifestWritten>(new Checkpoints.CheckpointNow(folder), TimeSpan.FromSeconds(3))
                        .ContinueWith(_ => { }, TaskScheduler.Default);
                }
                run.Completion.TrySetCanceled(cancel);
            }
            return await run.Completion.Task;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
