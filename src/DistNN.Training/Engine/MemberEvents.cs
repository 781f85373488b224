using Akka.Actor;

namespace DistNN.Training.Engine;

/// <summary>
/// A member of the run as one observer saw it: a registered actor (role ps, worker; name and the address of its node) or,
/// in a cluster, a node (role from its cluster roles, name null). Health: up, stopped, unreachable, leaving, removed.
/// </summary>
public sealed record MemberSeen(string Role, string? Name, string Address, string Health) : TrainingEvent
{
    /// <summary>An actor's member line: its node's address, or "in process" for an actor of this ActorSystem.</summary>
    public static MemberSeen Of(string role, string name, ActorPath path, string health) =>
        new(role, name, path.Address.HasGlobalScope ? path.Address.ToString() : "in process", health);
}

/// <summary>A failure the run saw and, unless it ends the run, survived: a worker stopped, a node became unreachable.</summary>
public sealed record FailureSeen(string What) : TrainingEvent;
