using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using DistNN.Nn.Models;
using DistNN.Protocol.Messages;
using DistNN.Training.Actors;
using DistNN.Training.Engine;
using DistNN.Training.Hosting;
using DistNN.Training.Plan;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistNN.Training.Cluster;

/// <summary>The end of a coordinator node's run: the summary, or why the run failed, and the exit code.</summary>
public sealed record CoordinatorOutcome(int ExitCode, TrainingSummary? Summary, Sequential? Model, string? Failure);

/// <summary>
/// `distnn node`: one ActorSystem "distnn" per process, joined to the others with Akka.Cluster. The coordinator node
/// runs the <see cref="Coordinator"/> (at /user/coordinator) and waits for the plan's servers and workers; a ps or
/// worker node runs a <see cref="NodeAgent"/> that finds the coordinator and starts the node's server or worker (as does
/// a coordinator node with --role coordinator,ps or coordinator,worker(,ps), for its own server and worker).
/// When the run ends the coordinator tells every other node to leave (<see cref="LeaveCluster"/>), waits until they
/// have, and leaves last; every leave goes through CoordinatedShutdown.
/// </summary>
public static class ClusterNode
{
    /// <summary>Exit code of a node stopped by SIGINT/SIGTERM (after leaving the cluster).</summary>
    public const int InterruptedExitCode = Interruption.ExitCode;

    /// <summary>The coordinator node: joins (normally as the seed), runs the plan, stops the others, leaves.</summary>
    public static async Task<CoordinatorOutcome> RunCoordinatorAsync(ClusterNodeOptions options, TrainingPlan plan, IDataSource data,
        Action<TrainingEvent>? listener, TimeSpan registrationTimeout, Action<string> log, CancellationToken cancel = default,
        Checkpoints.CheckpointOptions? checkpoints = null)
    {
        var run = new TrainingRun(plan, data, listener) { Checkpoints = checkpoints };
        using var host = BuildHost(options, log, (builder, _) => builder.WithActors((system, registry) =>
            registry.Register<CoordinatorKey>(TrainingHosting.StartCoordinator(system, run, registrationTimeout))));
        using var signals = new Interruption(cancel);
        await StartHostAsync(host, options);
        var system = host.Services.GetRequiredService<ActorSystem>();
        CheckFrameSize(system, plan);
        if (listener is not null)
        {
            system.ActorOf(MembershipReporter.Props(listener), "membership-reporter");
        }
        if (!await JoinAsync(system, options, log, signals.Token))
        {
            await LeaveAsync(system);
            await StopHostAsync(host);
            return new CoordinatorOutcome(signals.Token.IsCancellationRequested ? InterruptedExitCode : 1, null, null,
                signals.Token.IsCancellationRequested ? "interrupted" : JoinFailure(options));
        }
        // --role coordinator,ps, coordinator,worker(,ps): this node's own parameter server and/or worker, found and started by
        // a node agent as on a ps or worker node (the worker registers under its name and reads only its shards, the server
        // reached in memory). The run's end and the exit code are the coordinator's alone: when the agent would end a ps or
        // worker node (its server dismissed, say), it stops with its server and worker instead.
        IActorRef? agent = null;
        if (options.WithPs || options.WithWorker)
        {
            var start = StartMembers(options, WorkerName(options, system), new NodeDataSource(options.DataDir));
            var membersDone = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            var started = agent = system.ActorOf(NodeAgent.Props(start, log, membersDone), NodeAgent.Name);
            _ = membersDone.Task.ContinueWith(_ => system.Stop(started), TaskScheduler.Default);
        }
        int standbys = checkpoints?.StandbyServers ?? 0;
        log($"waiting for {plan.Servers} parameter server(s){(standbys > 0 ? $", {standbys} standby server(s)" : "")} and {plan.Workers} worker(s) to register "
            + $"(at most {registrationTimeout.TotalSeconds:F0} s)");
        CoordinatorOutcome outcome;
        GoneNode? gone = null;
        using (signals.Token.Register(() =>
        {
            // Workers abandon their batches and push nothing more before the nodes are told to leave.
            if (host.Services.GetRequiredService<ActorRegistry>().TryGet<CoordinatorKey>(out var coordinator))
            {
                coordinator.Tell(new Actors.Coordinator.StopRun("the coordinator's node was stopped by a signal"));
            }
            run.Completion.TrySetCanceled();
        }))
        {
            try
            {
                var summary = await run.Completion.Task;
                outcome = new CoordinatorOutcome(0, summary, run.FinalModel, null);
            }
            catch (TrainingInterruptedException e)
            {
                // A signal to another node ended the run.
                outcome = new CoordinatorOutcome(InterruptedExitCode, null, null, e.Message);
            }
            catch (TaskCanceledException)
            {
                outcome = new CoordinatorOutcome(InterruptedExitCode, null, null, "interrupted: the run was stopped before it ended");
            }
            catch (TrainingFailedException e)
            {
                outcome = new CoordinatorOutcome(1, null, null, e.Message);
                gone = e.Gone;
            }
        }
        await StopMembersAsync(system, outcome.Failure ?? "training finished", outcome.ExitCode, options.LeaveTimeout, log, gone);
        if (agent is not null)
        {
            // This node's server and worker stop with their agent, before the coordinator does: the agent would take the
            // coordinator's end for a lost coordinator.
            await agent.GracefulStop(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        log("leaving the cluster");
        await LeaveAsync(system);
        await StopHostAsync(host);
        return outcome;
    }

    /// <summary>
    /// A ps or worker node: joins, starts its server or worker once the coordinator is found, and runs until told to leave.
    /// With --coordinator-grace, a coordinator lost before it ended the run starts a new session: this node leaves the
    /// old cluster, joins its seeds again and registers with the new coordinator found within the grace.
    /// </summary>
    public static async Task<int> RunMemberAsync(ClusterNodeOptions options, Action<string> log, CancellationToken cancel = default)
    {
        if (options.Role == NodeRole.Coordinator)
        {
            throw new ArgumentException("RunMemberAsync runs ps and worker nodes; the coordinator runs with RunCoordinatorAsync");
        }
        var data = new NodeDataSource(options.DataDir);
        using var signals = new Interruption(cancel);
        string? name = null;
        CoordinatorGrace? rejoining = null;
        while (true)
        {
            var (code, worker) = await RunMemberSessionAsync(options, log, signals, data, name, rejoining);
            name ??= worker;
            if (code == CoordinatorGrace.Expired)
            {
                Console.Error.WriteLine($"distnn: error: {rejoining!.ExpiredMessage(HowItJoins(options))}");
                return 1;
            }
            if (code != CoordinatorGrace.Lost)
            {
                return code;
            }
            rejoining = new CoordinatorGrace(options.CoordinatorGrace, DateTime.UtcNow);
        }
    }

    /// <summary>
    /// One membership of a cluster: its exit code, or <see cref="CoordinatorGrace.Lost"/> / <see cref="CoordinatorGrace.Expired"/>;
    /// and the worker's name (the first session's stays: a new Akka.Remote port must not rename it).
    /// </summary>
    private static async Task<(int Code, string Name)> RunMemberSessionAsync(ClusterNodeOptions options, Action<string> log, Interruption signals,
        NodeDataSource data, string? name, CoordinatorGrace? rejoining)
    {
        var exit = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = BuildHost(options, log, (builder, _) => { });
        await StartHostAsync(host, options);
        var system = host.Services.GetRequiredService<ActorSystem>();
        var joinTimeout = rejoining is null ? options.JoinTimeout : rejoining.Remaining;
        if (!await JoinAsync(system, options with { JoinTimeout = joinTimeout }, log, signals.Token))
        {
            await LeaveAsync(system);
            await StopHostAsync(host);
            if (signals.Token.IsCancellationRequested)
            {
                return (InterruptedExitCode, name ?? "");
            }
            if (rejoining is not null)
            {
                return (CoordinatorGrace.Expired, name ?? "");
            }
            Console.Error.WriteLine($"distnn: error: {JoinFailure(options)}");
            return (1, name ?? "");
        }
        name ??= WorkerName(options, system);
        string worker = name;
        // --role worker,ps: both are the agent's children, and the node ends as a worker's does (a lost node also loses its
        // server, which the coordinator sees).
        var start = StartMembers(options, worker, data);
        var agent = system.ActorOf(NodeAgent.Props(start, log, exit, options.CoordinatorGrace, rejoining), NodeAgent.Name);
        // Downed by the cluster (or stopped from outside) before anyone said to leave: an error.
        _ = system.WhenTerminated.ContinueWith(_ =>
        {
            if (!exit.Task.IsCompleted && CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterDowningReason)
            {
                log(NodeAgent.RemovedMessage);
            }
            exit.TrySetResult(1);
        }, TaskScheduler.Default);
        // A signal: the agent tells the coordinator (a server's node ends the run, a worker's batches go to the others).
        using (signals.Token.Register(() =>
        {
            agent.Tell(new NodeAgent.Interrupt());
            _ = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(_ => exit.TrySetResult(InterruptedExitCode), TaskScheduler.Default);
        }))
        {
            int code = await exit.Task;
            if (code == InterruptedExitCode)
            {
                log("interrupted: leaving the cluster");
            }
            await LeaveAsync(system);
            await StopHostAsync(host);
            log(code == CoordinatorGrace.Lost ? "left the cluster of the lost coordinator; joining the seed node(s) again" : "left the cluster");
            return (code, worker);
        }
    }

    /// <summary>
    /// What a node agent starts once it has found the coordinator: this node's parameter server (/user/node/ps) if it
    /// <see cref="ClusterNodeOptions.RunsPs"/>, then its worker (/user/node/worker) named <paramref name="worker"/> if it
    /// <see cref="ClusterNodeOptions.RunsWorker"/>, over this node's <paramref name="data"/> (it reads only the shards it is
    /// dealt). The server comes first so that it registers before the worker; the worker reaches it in memory
    /// (TensorRouting sends to a server of its own process so). Returns the last started.
    /// </summary>
    private static Func<IActorContext, IActorRef, IActorRef> StartMembers(ClusterNodeOptions options, string worker, NodeDataSource data) =>
        (context, coordinator) =>
        {
            IActorRef? started = options.RunsPs ? context.ActorOf(ParameterServer.Props(coordinator, options.CheckpointDir), "ps") : null;
            return options.RunsWorker ? context.ActorOf(Worker.Props(worker, coordinator, data, options.EffectiveThreads), "worker") : started!;
        };

    /// <summary>A worker's name: --name, else worker@HOST:PORT of this node's Akka.Remote address (as every worker node's).</summary>
    private static string WorkerName(ClusterNodeOptions options, ActorSystem system)
    {
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        return string.IsNullOrEmpty(options.Name) ? $"worker@{self.Host}:{self.Port}" : options.Name;
    }

    private static IHost BuildHost(ClusterNodeOptions options, Action<string> log, Action<AkkaConfigurationBuilder, IServiceProvider> configure)
    {
        if (options.Tls is { } tls)
        {
            tls.Refused += log;
        }
        return new HostBuilder()
            .ConfigureLogging(l => l.ClearProviders())
            .ConfigureServices(services =>
            {
                // The node handles SIGINT/SIGTERM itself (leave the cluster, then exit with the node's own code).
                services.AddSingleton<IHostLifetime, NoSignalLifetime>();
                services.AddSingleton<NodeHostedService.HookSignal>();
                services.AddAkka<NodeHostedService>(ClusterNodeOptions.SystemName, (builder, provider) =>
                {
                    // The coordinator node's compute pool has a thread more for its own worker (--role coordinator,worker):
                    // the evaluator must not hold up its batches.
                    builder.WithDistNNCluster(options, options.Role == NodeRole.Coordinator ? 2 + (options.WithWorker ? 1 : 0) : 1);
                    configure(builder, provider);
                });
            })
            .Build();
    }

    /// <summary>
    /// Starts the node's host; a port that is taken (another node, another run) becomes one clear error naming the
    /// address instead of Akka's nested exceptions.
    /// </summary>
    private static async Task StartHostAsync(IHost host, ClusterNodeOptions options)
    {
        try
        {
            await host.StartAsync(CancellationToken.None);
        }
        catch (Exception e) when (FindSocketError(e) is { } socket)
        {
            throw new InvalidOperationException(
                $"cannot listen on {options.Host}:{options.Port} for Akka.Remote: {socket.Message} (is another node or run using that port?)");
        }
    }

    private static System.Net.Sockets.SocketException? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is System.Net.Sockets.SocketException s)
            {
                return s;
            }
            if (e is AggregateException a)
            {
                foreach (var inner in a.InnerExceptions)
                {
                    if (FindSocketError(inner) is { } found)
                    {
                        return found;
                    }
                }
            }
        }
        return null;
    }

    /// <summary>Waits for this node's MemberUp, saying every few seconds that it is still trying the seeds; false after the join timeout.</summary>
    private static async Task<bool> JoinAsync(ActorSystem system, ClusterNodeOptions options, Action<string> log, CancellationToken cancel)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        var started = DateTime.UtcNow;
        string seeds = HowItJoins(options);
        using var stopDiscovery = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var discovering = options.Bootstrap is null ? Task.CompletedTask : DiscoveryJoin.RunAsync(system, options, log, stopDiscovery.Token);
        while (!up.Task.IsCompleted)
        {
            var elapsed = DateTime.UtcNow - started;
            if (elapsed >= options.JoinTimeout || cancel.IsCancellationRequested)
            {
                await stopDiscovery.CancelAsync();
                return false;
            }
            // The first word after 2 s (a seed's join answer takes a few ms when it is up), then every 5 s.
            var wait = TimeSpan.FromSeconds(Math.Min(elapsed < TimeSpan.FromSeconds(2) ? 2 : 5, (options.JoinTimeout - elapsed).TotalSeconds));
            await Task.WhenAny(up.Task, Task.Delay(wait, cancel)).ContinueWith(_ => { }, TaskScheduler.Default);
            if (!up.Task.IsCompleted && !cancel.IsCancellationRequested && DateTime.UtcNow - started < options.JoinTimeout)
            {
                log(JoinProgress(cluster, seeds) + $" ({(DateTime.UtcNow - started).TotalSeconds:F0} of {options.JoinTimeout.TotalSeconds:F0} s)");
            }
        }
        await discovering;
        log($"joined the cluster at {cluster.SelfAddress} as {options.RoleNames}");
        return true;
    }

    /// <summary>
    /// Why this node is not Up yet: the seed not reached, or reached but the cluster cannot admit anyone while a member is
    /// unreachable (a lost node not downed yet: a replacement waits for that, a few seconds).
    /// </summary>
    private static string JoinProgress(Akka.Cluster.Cluster cluster, string seeds)
    {
        var state = cluster.State;
        if (!state.Members.Any(m => m.Address.Equals(cluster.SelfAddress)))
        {
            return $"cannot reach {seeds} yet; retrying";
        }
        return state.Unreachable.Count > 0
            ? $"reached the cluster; it admits this node once it has downed its unreachable member(s) {string.Join(", ", state.Unreachable.Select(m => m.Address))}"
            : "reached the cluster; waiting to be admitted";
    }

    /// <summary>What the node joins through: its seed nodes, or the nodes its discovery finds.</summary>
    private static string HowItJoins(ClusterNodeOptions options) => options.Bootstrap is { } b
        ? $"the {b.RequiredContactPoints} or more node(s) {b.Discovery} discovery must list as '{b.ServiceName}'"
        : $"the seed node(s) {string.Join(", ", options.Seeds)}";

    private static string JoinFailure(ClusterNodeOptions options) => options.Bootstrap is not null
        ? $"could not join the cluster through {HowItJoins(options)} within {options.JoinTimeout.TotalSeconds:F0} s: are the other "
          + "nodes running, listed by the discovery with their Akka.Remote port, and reachable there?"
        : $"could not join the cluster through {HowItJoins(options)} within "
        + $"{options.JoinTimeout.TotalSeconds:F0} s: is the coordinator running there, and does the address match its "
        + "--public-host and --port exactly (akka.tcp://distnn@HOST:PORT)"
        + (options.Tls is null ? "?" : $", and are both nodes' certificates signed by the same CA (--tls-ca)? {options.Tls.LastRefusal}").TrimEnd();

    /// <summary>
    /// Tells every other member's node agent to leave (and exit with the run's <paramref name="exitCode"/>) and waits (at
    /// most <paramref name="timeout"/>) until every member not down has. A member the failure detector finds unreachable meanwhile (a
    /// killed or paused node) cannot be told and cannot leave: the run is over, so this node downs it instead of waiting
    /// out the timeout (a paused node, when resumed, finds itself removed and exits 1). Once the others have left, the
    /// split-brain resolver would see one reachable node against one unreachable and might down this one instead. The
    /// wait also ends if this node's own ActorSystem has terminated (downed after all).
    /// A node whose process is known to be gone (<paramref name="gone"/>, the one whose loss failed the run) is downed
    /// first, before the others are told: no node's leave completes while a member is neither up nor down, and the failure
    /// detector takes seconds (acceptable-heartbeat-pause) to find a killed node unreachable.
    /// </summary>
    private static async Task StopMembersAsync(ActorSystem system, string reason, int exitCode, TimeSpan timeout, Action<string> log,
        GoneNode? gone = null)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var others = cluster.State.Members.Where(m => !m.Address.Equals(cluster.SelfAddress)).ToList();
        if (others.Count == 0)
        {
            return;
        }
        var downed = new HashSet<Address>();
        if (gone?.DownIn(cluster, log) == true)
        {
            downed.Add(gone.Address);
            others.RemoveAll(m => m.Address.Equals(gone.Address));
        }
        if (others.Count > 0)
        {
            log($"telling {others.Count} node(s) to leave the cluster");
        }
        void TellToLeave(IEnumerable<Member> members)
        {
            foreach (var member in members)
            {
                system.ActorSelection(new RootActorPath(member.Address) / "user" / NodeAgent.Name).Tell(new LeaveCluster(reason, exitCode == 0, exitCode));
            }
        }
        TellToLeave(others);
        var deadline = DateTime.UtcNow + timeout;
        // A member that is down is not waited for: it cannot leave, and the leader removes it only once the failure
        // detector finds it unreachable (seconds, for one downed while it still looked reachable). It does not hold up this
        // node's own leave, and the split-brain resolver counts no down member.
        bool Leaving(Member m) => !m.Address.Equals(cluster.SelfAddress) && m.Status != MemberStatus.Down;
        for (int tick = 1; DateTime.UtcNow < deadline && !system.WhenTerminated.IsCompleted && cluster.State.Members.Any(Leaving); tick++)
        {
            await Task.Delay(100);
            foreach (var lost in cluster.State.Unreachable.Where(Leaving))
            {
                if (downed.Add(lost.Address))
                {
                    log($"{lost.Address} is unreachable and cannot be told: downing it");
                    cluster.Down(lost.Address);
                }
            }
            if (tick % 10 == 0)
            {
                // Once a second again: a node that joined meanwhile (a replacement worker) has its agent by now.
                TellToLeave(cluster.State.Members.Where(m => !m.Address.Equals(cluster.SelfAddress) && m.Status == MemberStatus.Up));
            }
        }
        var left = cluster.State.Members.Where(Leaving).ToList();
        if (left.Count > 0)
        {
            log($"{left.Count} node(s) did not leave within {timeout.TotalSeconds:F0} s: {string.Join(", ", left.Select(m => m.Address))}");
        }
    }

    /// <summary>
    /// Stops the host, then waits (at most 5 s) for Akka.Hosting's termination hook: its write of the exit code must come
    /// before Main returns the node's own (<see cref="NodeHostedService"/>).
    /// </summary>
    private static async Task StopHostAsync(IHost host)
    {
        await host.StopAsync(CancellationToken.None);
        await host.Services.GetRequiredService<NodeHostedService.HookSignal>().TerminationHookRan.WaitAsync(TimeSpan.FromSeconds(5))
            .ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>Leaves the cluster gracefully (CoordinatedShutdown) and waits for the ActorSystem to terminate.</summary>
    private static async Task LeaveAsync(ActorSystem system)
    {
        await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        await system.WhenTerminated;
    }

    /// <summary>The remote carrier's pieces (plus their envelope) must fit Akka.Remote's frame, here and on every other node.</summary>
    private static void CheckFrameSize(ActorSystem system, TrainingPlan plan)
    {
        long frame = system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size")
            ?? throw new InvalidOperationException("akka.remote.dot-netty.tcp.maximum-frame-size is missing (reference.conf defines it)");
        if (plan.Carrier == TensorCarrierKind.Remote && plan.ChunkBytes + 4096 > frame)
        {
            throw new ArgumentException($"--chunk-bytes {plan.ChunkBytes} does not fit Akka.Remote's maximum frame of {frame} bytes "
                + "(a piece needs its size plus 4 KiB): set --max-frame-size (or akka.remote.dot-netty.tcp.maximum-frame-size) "
                + "to at least that on every node, or use smaller chunks");
        }
    }
}
