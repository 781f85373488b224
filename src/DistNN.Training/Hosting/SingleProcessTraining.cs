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
                try
                {
                    // Workers abandon their batches at once; a run with checkpoints keeps one of the moment it was
                    // stopped (at most a few seconds' wait), which stops the workers first.
                    var coordinator = host.Services.GetRequiredService<ActorRegistry>().Get<CoordinatorKey>();
                    if (run.Checkpoints is not null)
                    {
                        run.InterruptCheckpoint = await InterruptCheckpointAsync(coordinator);
                    }
                    else
                    {
                        coordinator.Tell(new Coordinator.StopRun("a signal stopped the run"));
                    }
                }
                catch (Exception e)
                {
                    run.InterruptCheckpoint = $"no checkpoint of the moment it stopped: {e.GetType().Name}: {e.Message}";
                }
                finally
                {
                    run.Completion.TrySetCanceled(cancel); // whatever became of the checkpoint: never a run that does not end
                }
            }
            return await run.Completion.Task;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>How long a stopped run waits for its interrupt checkpoint's manifest before it ends without one.</summary>
    public static readonly TimeSpan InterruptCheckpointWait = TimeSpan.FromSeconds(5);

    /// <summary>Has the coordinator checkpoint the run now; says in a sentence what a resume can start from.</summary>
    private static async Task<string> InterruptCheckpointAsync(IActorRef coordinator)
    {
        var folder = $"interrupt-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        object answer;
        try
        {
            answer = await coordinator.Ask<object>(new Checkpoints.CheckpointNow(folder), InterruptCheckpointWait);
        }
        catch (AskTimeoutException)
        {
            return $"no checkpoint of the moment it stopped: {folder} was not written within {InterruptCheckpointWait.TotalSeconds:0} s"
                + "; a resume would use the newest earlier checkpoint, if any";
        }
        return answer switch
        {
            Checkpoints.ManifestWritten w => $"checkpoint {w.Folder} keeps the run as it stopped (step {w.Step})",
            Checkpoints.CheckpointNotTaken n => $"no checkpoint of the moment it stopped: {n.Why}; a resume would use the newest earlier checkpoint, if any",
            _ => $"no checkpoint of the moment it stopped: the coordinator answered {answer.GetType().Name}",
        };
    }
}
