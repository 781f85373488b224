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
            using var registration = cancel.Register(() => run.Completion.TrySetCanceled(cancel));
            return await run.Completion.Task;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
