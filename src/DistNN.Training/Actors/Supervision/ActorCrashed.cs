using Akka.Actor;

namespace DistNN.Training.Actors.Supervision;

/// <summary>
/// Published on the event stream when the guardian stops a top-level actor that threw (<see cref="GuardianStrategy"/>):
/// the coordinator of a one-process run listens, and ends the run when the actor is one of its servers or workers.
/// </summary>
public sealed record ActorCrashed(IActorRef Actor, string Reason) : INoSerializationVerificationNeeded;
