using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>
/// Coordinator → every worker (and the worker's stop listener) and every server still running: the run is being
/// stopped (a signal) or has failed; Reason says which and why (a failed run's: "training failed: " and the failure's
/// line). A worker abandons its batch at the next point where nothing of it has been pushed (between layers, or before
/// the push), finishes only a push it has begun, and starts nothing more; a server refuses every push it has not begun,
/// so that nothing enters its chunks but the rest of pushes already under way.
/// </summary>
[MessagePackObject]
public sealed record StopWork([property: Key(0)] string Reason) : IDistNNMessage;
