using Akka.Actor;

namespace DistNN.Training.Actors.Supervision;

/// <summary>
/// The user guardian's strategy (reference.conf's akka.actor.guardian-supervisor-strategy): a top-level actor that throws
/// — the coordinator, a one-process run's servers and workers, a node's agent — is stopped and its failure published as
/// <see cref="ActorCrashed"/>, instead of Akka's default restart.
/// </summary>
public sealed class GuardianStrategy : SupervisorStrategyConfigurator
{
    public override SupervisorStrategy Create() =>
        new StopAndReportStrategy((context, child, reason) => context.System.EventStream.Publish(new ActorCrashed(child, reason)));
}
