using Akka.Actor;
using MessagePack;

namespace DistNN.Protocol.Messages;

/// <summary>
/// One piece of a serialized message that travels over Akka.Remote in pieces (the chunked carrier): a push or a
/// reply of a few MB does not fit Akka.Remote's default frame of 128,000 bytes, so its bytes (the protocol
/// serializer's envelope) are cut into pieces of at most the chunk size. The receiving node's assembler collects the
/// pieces of a transfer by (Transfer, Offset, Total), reads the message under Manifest and delivers it to Target;
/// when ReplyTo is set, replies travel back to it in pieces as well.
/// </summary>
[MessagePackObject]
public sealed record MessagePiece(
    [property: Key(0)] long Transfer, [property: Key(1)] IActorRef Target, [property: Key(2)] IActorRef? ReplyTo,
    [property: Key(3)] string Manifest, [property: Key(4)] int Offset, [property: Key(5)] int Total,
    [property: Key(6)] byte[] Bytes) : IDistNNMessage;
