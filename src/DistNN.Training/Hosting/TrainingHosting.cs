using Akka.Actor;
using Akka.Hosting;
using DistNN.Nn.Models;
using DistNN.Protocol;
using DistNN.Protocol.Serialization;
using DistNN.Training.Actors;
using DistNN.Training.Carriers;
using DistNN.Training.Configuration;
using DistNN.Training.Engine;
using DistNN.Training.Plan;

namespace DistNN.Training.Hosting;

/// <summary>Marker types for the actor registry.</summary>
public sealed class CoordinatorKey;

/// <summary>
/// Akka wiring as composable <see cref="AkkaConfigurationBuilder"/> extensions, shared by single-process mode,
/// cluster nodes and the tests.
/// </summary>
public static class TrainingHosting
{
    /// <summary>
    /// reference.conf below everything else, and the compute dispatcher with a thread for each of <paramref name="workers"/>.
    /// </summary>
    public static AkkaConfigurationBuilder WithDistNNDispatchers(this AkkaConfigurationBuilder builder, int workers) =>
        builder.AddHocon(DistNNReference.Config, HoconAddMode.Append).AddHocon(DistNNDispatchers.WithThreads(workers), HoconAddMode.Prepend);

    /// <summary>
    /// Binds <see cref="ProtocolSerializer"/> to every <see cref="IProtocolMessage"/> (all DistNN messages), as
    /// <see cref="ProtocolSerializer.Setup"/> does for ActorSystems created directly. In one process messages still pass
    /// by reference unless <c>akka.actor.serialize-messages</c> is on (the actor tests turn it on).
    /// </summary>
    public static AkkaConfigurationBuilder WithDistNNSerializer(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer("distnn", [typeof(IProtocolMessage)], system => new ProtocolSerializer(system));

    /// <summary>
    /// Starts this node's tensor data plane: a TCP listener on <paramref name="host"/>:<paramref name="port"/> (0 picks a
    /// free port) whose endpoint this node's parameter servers announce when they register, so that workers on other
    /// nodes push and pull there instead of through Akka.Remote. <paramref name="publicHost"/> is the host announced
    /// (default: <paramref name="host"/>). Workers need nothing: they connect on demand.
    /// </summary>
    public static AkkaConfigurationBuilder WithTensorDataPlane(this AkkaConfigurationBuilder builder, string host, int port, string? publicHost = null) =>
        builder.AddHocon(DataPlaneSettings.On(host, port, publicHost), HoconAddMode.Prepend)
            .WithActors((system, _) => TensorTransports.Get(system));

    /// <summary>
    /// A whole run in one ActorSystem: a coordinator, the plan's parameter servers and workers. Workers share
    /// the cores: each gets threads / workers compute threads (at least one). No worker can join one process: the run
    /// fails at once when none is left (no worker grace).
    /// </summary>
    public static AkkaConfigurationBuilder WithSingleProcessTraining(this AkkaConfigurationBuilder builder, TrainingRun run) =>
        builder.AddHocon($"{Configuration.FailureSettings.Section}.worker-grace = 0s", HoconAddMode.Prepend)
            .WithDistNNDispatchers(run.Plan.Workers).WithDistNNSerializer().WithActors((system, registry) =>
            registry.Register<CoordinatorKey>(StartActors(system, run)));

    /// <summary>
    /// Creates the coordinator, servers and workers of a single-process run in <paramref name="system"/>; returns the coordinator.
    /// <paramref name="prefix"/> keeps the names of several runs in one system apart.
    /// </summary>
    public static IActorRef StartActors(ActorSystem system, TrainingRun run, string prefix = "")
    {
        var coordinator = StartCoordinatorAndServers(system, run, prefix);
        StartWorkers(system, coordinator, run, prefix);
        return coordinator;
    }

    /// <summary>The coordinator and the plan's parameter servers and standbys (a node of a run whose workers may live elsewhere).</summary>
    public static IActorRef StartCoordinatorAndServers(ActorSystem system, TrainingRun run, string prefix = "")
    {
        var plan = run.Plan;
        var coordinator = system.ActorOf(Coordinator.Props(plan, run.Data, run.Listener, run.Completion, run.FinalModelSinkInternal,
            checkpoints: run.Checkpoints), $"{prefix}coordinator");
        // Standbys (--standby-servers) are servers beyond the plan's: they register and wait.
        for (int s = 0; s < plan.Servers + (run.Checkpoints?.StandbyServers ?? 0); s++)
        {
            system.ActorOf(ParameterServer.Props(coordinator), $"{prefix}ps-{s}");
        }
        return coordinator;
    }

    /// <summary>
    /// The coordinator alone, at /user/coordinator (a cluster's coordinator node: servers and workers register from
    /// other nodes), failing the run when the plan's nodes have not registered within <paramref name="registrationTimeout"/>.
    /// </summary>
    public static IActorRef StartCoordinator(ActorSystem system, TrainingRun run, TimeSpan registrationTimeout) =>
        system.ActorOf(Coordinator.Props(run.Plan, run.Data, run.Listener, run.Completion, run.FinalModelSinkInternal, registrationTimeout,
            run.Checkpoints), "coordinator");

    /// <summary>Workers <paramref name="first"/>… of the plan, registering with <paramref name="coordinator"/> (local or remote).</summary>
    public static void StartWorkers(ActorSystem system, IActorRef coordinator, TrainingRun run, string prefix = "", int first = 0,
        int? count = null)
    {
        var plan = run.Plan;
        int threadsPerWorker = Math.Max(1, plan.EffectiveThreads / Math.Max(1, plan.Workers));
        for (int w = first; w < first + (count ?? plan.Workers - first); w++)
        {
            system.ActorOf(Worker.Props($"worker-{w}", coordinator, run.Data, threadsPerWorker), $"{prefix}worker-{w}");
        }
    }
}

/// <summary>What a single-process run needs besides the plan, and where its result lands.</summary>
public sealed class TrainingRun(TrainingPlan plan, IDataSource data, Action<TrainingEvent>? listener = null)
{
    public TrainingPlan Plan { get; } = plan;

    public IDataSource Data { get; } = data;

    public Action<TrainingEvent>? Listener { get; } = listener;

    /// <summary>Where and how often to checkpoint, and what to resume from (null: no checkpoints).</summary>
    public Checkpoints.CheckpointOptions? Checkpoints { get; init; }

    public TaskCompletionSource<TrainingSummary> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// A run with checkpoints stopped by a signal: what became of the checkpoint of the moment it stopped, in a sentence
    /// (its folder and step, or why there is none); null while no signal has stopped it.
    /// </summary>
    public string? InterruptCheckpoint { get; internal set; }

    /// <summary>
    /// The evaluator's model after the latest finished epoch (weights and state pulled from the servers): a copy, so
    /// that a run stopped during the next pull still has a whole one.
    /// </summary>
    public Sequential? FinalModel { get; private set; }

    internal Action<Sequential> FinalModelSinkInternal => m => FinalModel = Copy(m);

    private Sequential Copy(Sequential model)
    {
        var copy = FinalModel ?? ModelBuilder.Build(Plan.Model, Plan.Seed);
        foreach (var (from, to) in model.Parameters.Concat(model.State).Zip(copy.Parameters.Concat(copy.State)))
        {
            from.Value.Span.CopyTo(to.Value.Span);
        }
        return copy;
    }
}
