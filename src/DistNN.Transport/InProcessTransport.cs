using System.Collections.Concurrent;
using Akka.Actor;
using DistNN.Protocol.Messages;

namespace DistNN.Transport;

/// <summary>
/// Tensor messages as plain actor messages: to a server of this ActorSystem through an <see cref="InProcessRef"/>
/// (by reference), to a server elsewhere through its own ref (whole messages over Akka.Remote, the plan's carrier
/// <c>local</c>).
/// </summary>
public sealed class InProcessTransport : ITensorTransport
{
    public static InProcessTransport Instance { get; } = new();

    public IActorRef To(IActorRef server, string endpoint, DataPlaneCredential? credential = null) =>
        server is IInternalActorRef { IsLocal: true } ? new InProcessRef(server) : server;
}

/// <summary>
/// A server of this ActorSystem: messages go to it by reference, and its replies come back through an
/// <see cref="InProcessReplyRef"/> of the requester, which honours each reply's loans.
/// </summary>
internal sealed class InProcessRef(IActorRef server) : MinimalActorRef
{
    private readonly ConcurrentDictionary<IActorRef, InProcessReplyRef> _replyRefs = new();

    public override ActorPath Path => server.Path;

    public override IActorRefProvider Provider => ((IInternalActorRef)server).Provider;

    protected override void TellInternal(object message, IActorRef sender) =>
        server.Tell(message, sender is null || sender.IsNobody() ? sender : _replyRefs.GetOrAdd(sender, s => new InProcessReplyRef(s)));
}

/// <summary>
/// Hands a server's reply to the requester in this ActorSystem. Values lent to the requester (until it pushes again) go
/// by reference; values lent only until the server's next write are copied, on the server's thread during its Tell,
/// into the requester's <see cref="ReceiveArrays"/>.
/// </summary>
internal sealed class InProcessReplyRef(IActorRef requester) : MinimalActorRef
{
    private readonly ReceiveArrays _arrays = new($"the in-process replies to {requester.Path.Name}");

    public override ActorPath Path => requester.Path;

    public override IActorRefProvider Provider => ((IInternalActorRef)requester).Provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        object delivered = message switch
        {
            PushReply r when MustCopy(r.Weights, r.State) => CopyOf(r, _arrays.NextMessage()),
            WeightsReply w when MustCopy(w.Weights, w.State) => CopyOf(w, _arrays.NextMessage()),
            _ => message,
        };
        requester.Tell(delivered, sender);
    }

    private static bool MustCopy(IReadOnlyList<ChunkValues> weights, IReadOnlyList<ChunkValues> state) =>
        weights.Any(v => v.Loan is { Holder: null }) || state.Any(v => v.Loan is { Holder: null });

    private static PushReply CopyOf(PushReply reply, Protocol.Ownership.IValueArrays arrays) =>
        reply with { Weights = Copy(reply.Weights, arrays), State = Copy(reply.State, arrays) };

    private static WeightsReply CopyOf(WeightsReply reply, Protocol.Ownership.IValueArrays arrays) =>
        reply with { Weights = Copy(reply.Weights, arrays), State = Copy(reply.State, arrays) };

    private static List<ChunkValues> Copy(IReadOnlyList<ChunkValues> values, Protocol.Ownership.IValueArrays arrays)
    {
        var copies = new List<ChunkValues>(values.Count);
        foreach (ChunkValues v in values)
        {
            if (v.Loan is not { Holder: null })
            {
                copies.Add(v);
                continue;
            }
            float[] copy = arrays.Get(v.ChunkId, v.Values.Length);
            v.Values.Span.CopyTo(copy);
            copies.Add(v with { Values = copy, Loan = arrays.Loan });
        }
        return copies;
    }
}
