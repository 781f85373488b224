using System.Buffers;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Messages;

namespace DistNN.Transport.Pieces;

/// <summary>
/// Puts messages sent in <see cref="MessagePiece"/>s back together (one per node, /system/distnn-pieces): the bytes of
/// a transfer collect in a pooled buffer; when all have arrived the message is read with the protocol serializer's
/// checks and delivered to its target, with a sender that sends replies back in pieces of the same size.
/// </summary>
internal sealed class PieceAssembler : ReceiveActor
{
    private sealed class Transfer(byte[] buffer)
    {
        public byte[] Buffer { get; } = buffer;

        public int Received { get; set; }

        public int LargestPiece { get; set; }
    }

    private const int DefaultChunkBytes = 64 * 1024;

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PiecesTransport _pieces;
    private readonly ProtocolLimits _limits = ProtocolLimits.Default;
    private readonly Dictionary<long, Transfer> _open = [];
    private readonly Dictionary<IActorRef, ReceiveArrays> _arrays = [];

    public PieceAssembler(PiecesTransport pieces)
    {
        _pieces = pieces;
        Receive<MessagePiece>(OnPiece);
    }

    public static Props Props(PiecesTransport pieces) => Akka.Actor.Props.Create(() => new PieceAssembler(pieces));

    protected override void PostStop()
    {
        foreach (var transfer in _open.Values)
        {
            ArrayPool<byte>.Shared.Return(transfer.Buffer);
        }
        _open.Clear();
    }

    /// <summary>The reused arrays of one worker's pushes (on a server's node) or of its replies (on its own node).</summary>
    private ReceiveArrays ArraysOf(IActorRef worker)
    {
        if (!_arrays.TryGetValue(worker, out ReceiveArrays? arrays))
        {
            arrays = new ReceiveArrays();
            _arrays[worker] = arrays;
        }
        return arrays;
    }

    private void OnPiece(MessagePiece piece)
    {
        if (piece.Total < 0 || piece.Total > _limits.MaxMessageBytes || piece.Offset < 0
            || (long)piece.Offset + piece.Bytes.Length > piece.Total)
        {
            _log.Warning("a message piece of transfer {0} ({1} bytes at {2} of {3}) does not fit its message: dropped",
                piece.Transfer, piece.Bytes.Length, piece.Offset, piece.Total);
            return;
        }
        if (!_open.TryGetValue(piece.Transfer, out Transfer? transfer))
        {
            transfer = new Transfer(ArrayPool<byte>.Shared.Rent(Math.Max(1, piece.Total)));
            _open[piece.Transfer] = transfer;
        }
        piece.Bytes.CopyTo(transfer.Buffer.AsSpan(piece.Offset));
        transfer.Received += piece.Bytes.Length;
        transfer.LargestPiece = Math.Max(transfer.LargestPiece, piece.Bytes.Length);
        if (transfer.Received < piece.Total)
        {
            return;
        }
        _open.Remove(piece.Transfer);
        object message;
        try
        {
            message = _pieces.Serializer.Read(new ReadOnlySequence<byte>(transfer.Buffer, 0, piece.Total), piece.Manifest,
                MessageFrame.IsTensorMessage(piece.Manifest) ? ArraysOf(piece.ReplyTo ?? piece.Target).NextMessage() : null);
        }
        catch (SerializationException e)
        {
            _log.Warning("a message sent in pieces was refused: {0}", e.Message);
            return;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(transfer.Buffer);
        }
        // Replies go back in pieces as large as the request's (the sender's chunk setting).
        int chunk = piece.Total > transfer.LargestPiece ? transfer.LargestPiece : DefaultChunkBytes;
        IActorRef? sender = piece.ReplyTo is null ? ActorRefs.NoSender : new PiecesRef(_pieces, piece.ReplyTo, Math.Max(1024, chunk));
        _pieces.Counters.CountReceived(piece.Target, piece.Total);
        piece.Target.Tell(message, sender);
    }
}
