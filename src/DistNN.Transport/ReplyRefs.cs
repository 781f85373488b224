using Akka.Actor;
using DistNN.Transport.DataPlane;
using DistNN.Transport.Pieces;

namespace DistNN.Transport;

/// <summary>The refs through which replies leave a node.</summary>
public static class ReplyRefs
{
    /// <summary>
    /// True for a ref whose Tell has read the message's values before it returns (a data-plane reply, pieces): values
    /// told to it may be passed by reference and changed right after.
    /// </summary>
    public static bool ReadsOnTell(IActorRef actor) => actor is DataPlaneReplyRef or PiecesRef;
}
