using Akka.Actor;

namespace DistNN.Transport.Pieces;

/// <summary>
/// An actor on another node reached over Akka.Remote in pieces: a Tell serializes the message once and sends
/// <see cref="Protocol.Messages.MessagePiece"/>s of at most <paramref name="chunkBytes"/> to the target node's
/// assembler, naming the sender as the actor that replies go to (in pieces too).
/// </summary>
internal sealed class PiecesRef(PiecesTransport pieces, IActorRef target, int chunkBytes) : MinimalActorRef
{
    public override ActorPath Path => target.Path;

    public override IActorRefProvider Provider => pieces.Provider;

    protected override void TellInternal(object message, IActorRef sender) =>
        pieces.Send(message, target, sender is null || sender.IsNobody() ? null : sender, chunkBytes);
}
