using Akka.Actor;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Actors;

/// <summary>
/// The child <c>stop</c> of an actor whose thread may be busy for long inside one message (a worker's batch, the
/// evaluator's scoring of the test set): hears <see cref="StopWork"/> for it and cancels the token that work looks at,
/// the reason written first. On Akka's default dispatcher, never the compute pool's.
/// </summary>
internal sealed class StopListener : ReceiveActor
{
    /// <summary>The name the coordinator tells <see cref="StopWork"/> to, beside the actor itself.</summary>
    public const string Name = "stop";

    public StopListener(CancellationTokenSource stop, StopReason reason) => Receive<StopWork>(s =>
    {
        reason.Text ??= s.Reason;
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // its parent has stopped already
        }
    });

    public static Props Props(CancellationTokenSource stop, StopReason reason) => Akka.Actor.Props.Create(() => new StopListener(stop, reason));
}

/// <summary>Why the run is stopping, written by the stop listener's thread before it cancels, read by its parent's after.</summary>
internal sealed class StopReason
{
    public volatile string? Text;

    /// <summary>The reason for the line of work abandoned once the token is cancelled (the listener's stop, its message not yet read by the parent).</summary>
    public string Heard => Text ?? "told to stop";
}
