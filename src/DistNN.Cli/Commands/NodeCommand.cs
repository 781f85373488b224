using DistNN.Protocol.Messages;
using DistNN.Training.Cluster;
using DistNN.Training.Engine;
using DistNN.Training.Plan;
using Spectre.Console.Cli;

namespace DistNN.Cli.Commands;

/// <summary>
/// `distnn node`: one node of a cluster. The coordinator turns its options into the run's <see cref="TrainingPlan"/>
/// (as `distnn train` does), reads the training set's headers and labels and the test set (the workers read the training
/// samples), waits for the plan's servers and workers, trains, prints progress and the summary, then ends the cluster;
/// ps and worker nodes join, find the coordinator, serve or train, and leave when told.
/// </summary>
public sealed class NodeCommand : AsyncCommand<NodeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, NodeSettings settings, CancellationToken cancellationToken)
    {
        var options = NodeOptionsResolver.Resolve(settings, Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory());
        if (options.Cpus is { } cpus)
        {
            // Before the node starts its threads: they inherit the affinity of the thread that starts them.
            try
            {
                CpuAffinity.Apply(cpus);
            }
            catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException)
            {
                throw new OptionException($"--cpus {CpuAffinity.Describe(cpus)}: {e.Message}");
            }
            if (cpus.Count < Environment.ProcessorCount)
            {
                // The runtime read its CPU count at start: it spins waiting for threads that cannot run meanwhile.
                Console.WriteLine($"distnn node: --cpus {CpuAffinity.Describe(cpus)}: the runtime sized itself for {Environment.ProcessorCount} CPUs "
                    + $"at start; DOTNET_PROCESSOR_COUNT={cpus.Count} in the node's environment (or starting it under taskset -c) sizes it for {cpus.Count}");
            }
        }
        void Log(string line)
        {
            Console.WriteLine($"{DateTime.Now:HH:mm:ss.f} distnn node ({options.RoleNames}): {line}");
            Console.Out.Flush();
        }
        if (options.Role != NodeRole.Coordinator)
        {
            if (settings.Dashboard is not null)
            {
                throw new OptionException($"--dashboard: only the coordinator serves the dashboard (this node's role is {options.Role.Name()})");
            }
            return await ClusterNode.RunMemberAsync(options, Log, cancellationToken);
        }
        return await RunCoordinatorAsync(settings, options, Log, cancellationToken);
    }

    private static async Task<int> RunCoordinatorAsync(NodeSettings settings, ClusterNodeOptions options, Action<string> log, CancellationToken cancel)
    {
        var (resolved, checkpoints) = CheckpointSetup.Resolve(settings, () => PlanFactory.FromSettings(settings) with
        {
            Carrier = Enum.Parse<TensorCarrierKind>(settings.Carrier, ignoreCase: true),
            ChunkBytes = settings.ChunkBytes,
            Elastic = settings.Elastic,
        });
        // The data's folder and the threads are this node's, also when the plan comes from a checkpoint.
        var plan = resolved with { DataDir = options.DataDir, Threads = options.Threads };
        plan.Validate();
        var data = DataSets.ForCoordinator(plan);
        RunChecks.AgainstData(plan, data.TrainShape);
        using var report = new RunReport(settings, plan, data.TrainCount, data.Test.Count, "cluster");
        var outcome = await ClusterNode.RunCoordinatorAsync(options, plan, data, report.Listen,
            TimeSpan.FromSeconds(settings.RegistrationTimeout), log, cancel, checkpoints);
        if (outcome.Summary is not { } summary)
        {
            report.Stop();
            bool interrupted = outcome.ExitCode == ClusterNode.InterruptedExitCode;
            Console.Error.WriteLine(interrupted ? $"distnn: {outcome.Failure}" : $"distnn: error: {outcome.Failure}");
            report.Keep(plan, report.Ended(plan, data.TrainCount, interrupted ? "interrupted" : "failed", outcome.Failure ?? ""), null);
            return outcome.ExitCode;
        }
        report.Done(summary);
        if (summary.BytesPushed is not null)
        {
            log($"bytes over the carriers: {summary.BytesPushed:N0} pushed, {summary.BytesPulled:N0} pulled");
        }
        report.Keep(plan, summary, outcome.Model);
        return outcome.ExitCode;
    }
}
