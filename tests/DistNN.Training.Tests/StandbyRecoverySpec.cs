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

    /// <summary>How long a hold of the run waits for what it waits for (a checkpoint, an answer, the loss noticed) before failing it.</summary>
    private static readonly TimeSpan s_hold = TimeSpan.FromSeconds(60);
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

        var (recovered, weights, failures) = await Run(plan, data, stop: true, duringFirstEvaluation: true);

        Assert.True(failures.Any(f => f.Contains("replacing it from checkpoint", StringComparison.Ordinal)), $"no replacement seen: [{string.Join("; ", failures)}]");
        Assert.Equal(2 * 1600, recovered.SamplesExpected);
        Assert.Equal(recovered.SamplesExpected, recovered.SamplesApplied);
        Assert.Equal(recovered.SamplesExpected, recovered.SamplesProcessed);
        Assert.Equal(0, recovered.SamplesDoubled);
        Assert.Equal(Weights(cleanModel), Weights(weights));
    }

    /// <summary>
    /// A run with a standby and checkpoints; unless <paramref name="stop"/> is false, a serving server is stopped once a
    /// checkpoint is on disk, at a point of the run that provably has work left (an external poller raced the run: on a
    /// loaded machine the stop landed after the last epoch, and nothing was replaced). Without
    /// <paramref name="duringFirstEvaluation"/> the coordinator stops it itself, from its listener, at the first progress
    /// line or epoch line before the last epoch: it has not read its next message yet, and no later round can finish
    /// without the stopped server, so the run cannot end before the loss is noticed. With it, the evaluator of epoch 1,
    /// holding its test set, waits for that epoch's end checkpoint, stops the server, and goes on once the coordinator has
    /// reported the loss: the loss provably lands while the epoch is evaluated.
    /// </summary>
    private async Task<(TrainingSummary Summary, Sequential Model, List<string> Failures)> Run(TrainingPlan plan, Actors.IDataSource data, bool stop,
        bool duringFirstEvaluation = false)
    {
        string directory = Directory.CreateTempSubdirectory("distnn-standby-").FullName;
        string prefix = $"run{++_runs}-";
        var failures = new List<string>();
        var noticed = new ManualResetEventSlim();
        string? stoppedAt = null;

        bool CheckpointOnDisk(string? folder) => Directory.EnumerateFiles(directory, CheckpointManifest.FileName, SearchOption.AllDirectories)
            .Any(f => folder is null || Path.GetFileName(Path.GetDirectoryName(f)) == folder);

        void StopServing(string at)
        {
            var server = Serving(prefix);
            _stopped = server.Path.ToString();
            stoppedAt = at;
            // Into its own mailbox, not Sys.Stop: that asks the user guardian, on the default dispatcher, which on a
            // loaded machine stopped it only after the run had ended. The server handles what it holds already, then stops.
            server.Tell(PoisonPill.Instance);
        }

        var source = !duringFirstEvaluation ? data : new HeldTestSet(data, () =>
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!CheckpointOnDisk("epoch-0001"))
            {
                if (waited.Elapsed > s_hold)
                {
                    throw new TimeoutException($"the checkpoint epoch-0001 was not on disk within {s_hold.TotalSeconds} s of epoch 1's evaluation");
                }
                Thread.Sleep(5);
            }
            StopServing("while epoch 1 was evaluated");
            if (!noticed.Wait(s_hold))
            {
                throw new TimeoutException($"the coordinator reported no loss within {s_hold.TotalSeconds} s of {_stopped} stopping during epoch 1's evaluation");
            }
        });
        var run = new TrainingRun(plan, source, e =>
        {
            if (e is FailureSeen f)
            {
                failures.Add(f.What);
                noticed.Set();
            }
            if (stop && !duringFirstEvaluation && stoppedAt is null && BeforeTheLastEpoch(e) is string at && CheckpointOnDisk(null))
            {
                StopServing(at);
            }
        })
        {
            Checkpoints = new CheckpointOptions(directory, Every: 40, Keep: 100) { StandbyServers = 1 },
        };
        TrainingHosting.StartActors(Sys, run, prefix);
        var summary = await run.Completion.Task.WaitAsync(s_run);
        Directory.Delete(directory, recursive: true);
        // A stop that never came is said as such, not as a replacement missing.
        Assert.True(!stop || stoppedAt is not null,
            $"no server was stopped: no checkpoint was on disk at any progress or epoch line before the last of the run's {plan.Epochs} epochs");
        return (summary, run.FinalModel!, failures);
    }

    /// <summary>Where the run is, when <paramref name="e"/> is a progress or epoch line with an epoch after it; else null.</summary>
    private static string? BeforeTheLastEpoch(TrainingEvent e) => e switch
    {
        StepProgress p when p.Epoch < p.Epochs => $"at batch {p.BatchesDone} of {p.BatchesPerEpoch} of epoch {p.Epoch} of {p.Epochs}",
        EpochCompleted c when c.Epoch < c.Epochs => $"at the end of epoch {c.Epoch} of {c.Epochs}",
        _ => null,
    };

    /// <summary>
    /// ps-0, ps-1 or ps-2, whichever first answers <see cref="ReportApplied"/> of epoch 0 (a question that changes nothing):
    /// in one process the servers register in no fixed order, and the standby, not initialized, does not answer. Called on
    /// the run's own threads while they hold it, so it blocks; the servers answer on another thread of the compute pool.
    /// </summary>
    private IActorRef Serving(string prefix)
    {
        using var answered = new CancellationTokenSource();
        async Task<IActorRef> Answers(int s)
        {
            var server = await Sys.ActorSelection($"/user/{prefix}ps-{s}").ResolveOne(s_hold);
            await server.Ask<BatchesApplied>(new ReportApplied(0), s_hold, answered.Token);
            return server;
        }
        var first = Task.Run(async () =>
        {
            var asks = new[] { 0, 1, 2 }.Select(Answers).ToList();
            while (asks.Count > 0)
            {
                var done = await Task.WhenAny(asks);
                if (done.IsCompletedSuccessfully)
                {
                    return done.Result;
                }
                asks.Remove(done);
            }
            throw new InvalidOperationException("no ps actor serves");
        });
        if (!first.Wait(s_hold))
        {
            throw new TimeoutException($"no ps actor answered ReportApplied within {s_hold.TotalSeconds} s");
        }
        answered.Cancel(); // the standby's question
        return first.Result;
    }

    /// <summary>The data, whose test set the evaluator's first read of it gets only once <paramref name="hold"/> returns.</summary>
    private sealed class HeldTestSet(Actors.IDataSource data, Action hold) : Actors.IDataSource
    {
        private int _reads;

        public DistNN.Data.Dataset Train => data.Train;

        public DistNN.Data.Dataset Test
        {
            get
            {
                if (Interlocked.Increment(ref _reads) == 1)
                {
                    hold();
                }
                return data.Test;
            }
        }
    }

    private static float[] Weights(Sequential model) => model.Parameters.SelectMany(p => p.Value.Span.ToArray()).ToArray();
}
