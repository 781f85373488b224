using Akka.Actor;
using Akka.TestKit.Xunit2;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Checkpoints;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;

namespace DistNN.Training.Tests;

/// <summary>
/// One process, two servers and a standby (`--standby-servers 1`): a server actor stopped mid-run is replaced, every
/// server goes back to the latest checkpoint, and the sync run ends with the weights of the run nobody stopped, every
/// sample applied once.
/// </summary>
public class StandbyRecoverySpec : TestKit
{
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);
    private int _runs;

    /// <summary>The path of the server the last run stopped.</summary>
    private string? _stopped;

    public StandbyRecoverySpec() : base(ActorTestConfig.Setup)
    {
    }

    [Fact]
    public async Task A_server_stopped_mid_run_is_replaced_and_the_sync_run_ends_with_the_weights_of_one_never_stopped()
    {
        // 3200 samples in batches of 16: 200 batches, 100 sync rounds of two workers per epoch; a checkpoint every 40 steps
        // (few enough for a slow disk to keep up), so the one a recovery goes back to may fall within an epoch or at its end.
        var plan = TestData.Plan(TestData.SmallMlp(), ConsistencyMode.Sync, workers: 2, servers: 2, batch: 16, epochs: 4);
        var data = TestData.BarsSource(3200, 10);
        var (clean, cleanModel, _) = await Run(plan, data, stop: false);

        var (recovered, model, failures) = await Run(plan, data, stop: true);

        // In one process the servers register in no fixed order: the one stopped is whichever serves (not the standby).
        Assert.True(failures.Any(f => f.Contains($"({_stopped}) stopped", StringComparison.Ordinal) && f.Contains("replacing it from checkpoint", StringComparison.Ordinal)),
            $"no replacement seen: [{string.Join("; ", failures)}]");
        Assert.Equal(4 * 3200, recovered.SamplesExpected);
        Assert.Equal(recovered.SamplesExpected, recovered.SamplesApplied);
        Assert.Equal(recovered.SamplesExpected, recovered.SamplesProcessed);
        Assert.Equal(Weights(cleanModel), Weights(model));
        Assert.Equal(clean.TestLoss, recovered.TestLoss);
    }

    [Fact]
    public async Task A_server_stopped_while_an_epoch_is_evaluated_is_replaced_and_that_epoch_is_counted_once()
    {
        // The epoch-end checkpoint is on disk while the evaluator scores a test set big enough to take a while: the
        // coordinator has counted the epoch, goes back to that checkpoint and asks the servers again. Counting it twice
        // made samples_processed and samples_applied exceed what was trained (seen as 9,000 of 6,000 on a loaded machine).
        var plan = TestData.Plan(TestData.SmallMlp(hidden: 256), ConsistencyMode.Sync, workers: 2, servers: 2, batch: 16, epochs: 2);
        var data = TestData.BarsSource(1600, 12000);
        var (clean, cleanModel, _) = await Run(plan, data, stop: false);

        var (recovered, weights, failures) = await Run(plan, data, stop: true, stopAfter: "epoch-0001");

        Assert.True(failures.Any(f => f.Contains("replacing it from checkpoint", StringComparison.Ordinal)), $"no replacement seen: [{string.Join("; ", failures)}]");
        Assert.Equal(2 * 1600, recovered.SamplesExpected);
        Assert.Equal(recovered.SamplesExpected, recovered.SamplesApplied);
        Assert.Equal(recovered.SamplesExpected, recovered.SamplesProcessed);
        Assert.Equal(0, recovered.SamplesDoubled);
        Assert.Equal(Weights(cleanModel), Weights(weights));
    }

    /// <summary>
    /// A run with a standby and checkpoints; a serving server (ps-1 unless it registered last and is the standby) stopped
    /// once a checkpoint of it is on disk — one in the folder <paramref name="stopAfter"/> when given — unless
    /// <paramref name="stop"/> is false.
    /// </summary>
    private async Task<(TrainingSummary Summary, Sequential Model, List<string> Failures)> Run(TrainingPlan plan, Actors.IDataSource data, bool stop,
        string? stopAfter = null)
    {
        string directory = Directory.CreateTempSubdirectory("distnn-standby-").FullName;
        string prefix = $"run{++_runs}-";
        var failures = new List<string>();
        var run = new TrainingRun(plan, data, e =>
        {
            if (e is FailureSeen f)
            {
                failures.Add(f.What);
            }
        })
        {
            Checkpoints = new CheckpointOptions(directory, Every: 40, Keep: 100) { StandbyServers = 1 },
        };
        TrainingHosting.StartActors(Sys, run, prefix);
        while (stop && !run.Completion.Task.IsCompleted)
        {
            if (Directory.EnumerateFiles(directory, CheckpointManifest.FileName, SearchOption.AllDirectories)
                .Any(f => stopAfter is null || Path.GetFileName(Path.GetDirectoryName(f)) == stopAfter))
            {
                var server = await Serving(prefix);
                _stopped = server.Path.ToString();
                Sys.Stop(server);
                break;
            }
            await Task.Delay(5);
        }
        var summary = await run.Completion.Task.WaitAsync(s_run);
        Directory.Delete(directory, recursive: true);
        return (summary, run.FinalModel!, failures);
    }

    /// <summary>
    /// ps-1, or the first other ps actor that serves: one that answers <see cref="ReportApplied"/>, which a standby not yet
    /// initialized does not (the servers register in no fixed order, so ps-1 may be the standby).
    /// </summary>
    private async Task<IActorRef> Serving(string prefix)
    {
        foreach (int s in new[] { 1, 0, 2 })
        {
            var server = await Sys.ActorSelection($"/user/{prefix}ps-{s}").ResolveOne(TimeSpan.FromSeconds(5));
            try
            {
                await server.Ask<BatchesApplied>(new ReportApplied(1), TimeSpan.FromSeconds(2));
                return server;
            }
            catch (AskTimeoutException)
            {
            }
        }
        throw new InvalidOperationException("no ps actor serves");
    }

    private static float[] Weights(Sequential model) => model.Parameters.SelectMany(p => p.Value.Span.ToArray()).ToArray();
}
