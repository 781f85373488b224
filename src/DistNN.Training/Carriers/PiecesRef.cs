using Akka.Actor;

namespace DistNN.Training.Carriers;

/// <summary>
/// An actor on another node reached over Akka.Remote in pieces: a Tell serializes the message once and sends
/// <see cref="Protocol.Messages.MessagePiece"/>s of at most <paramref name="chunkBytes"/> to the target node's
/// assembler, naming the sender as the actor that replies go to (in pieces too).
/// </summary>
internal sealed class PiecesRef(TensorCarrier carrier, IActorRef target, int chunkBytes) : MinimalActorRef, ISerializesOnTell
{
    public override ActorPath Path => target.Path;

    public override IActorRefProvider Provider => carrier.Provider;

    protected override void TellInternal(object message, IActorRef sender) =>
        carrier.SendInPieces(message, target, sender is null || sender.IsNobody() ? null : sender, chunkBytes);
}
