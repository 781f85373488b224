using System.Collections.Concurrent;
using Akka.Actor;
using DistNN.Protocol.Framing;
using DistNN.Protocol.Messages;
using DistNN.Protocol.Serialization;

namespace DistNN.Transport.Pieces;

/// <summary>
/// Akka.Remote in pieces: each message is serialized once and cut into <see cref="MessagePiece"/>s of at most the
/// plan's chunk size (Akka.Remote's frame is 128,000 bytes by default), which the <see cref="PieceAssembler"/> of the
/// receiving node (/system/distnn-pieces) puts back together. Only Akka.Remote's port is needed.
/// </summary>
public sealed class PiecesTransport : ITensorTransport
{
    /// <summary>The assembler's name under /system on every node.</summary>
    public const string AssemblerName = "distnn-pieces";

    private readonly ExtendedActorSystem _system;
    private readonly ConcurrentDictionary<Address, IActorRef> _assemblers = new();

    public PiecesTransport(ExtendedActorSystem system, ProtocolSerializer serializer, TransportCounters counters)
    {
        _system = system;
        Serializer = serializer;
        Counters = counters;
        Assembler = system.SystemActorOf(PieceAssembler.Props(this), AssemblerName);
    }

    /// <summary>This node's <see cref="PieceAssembler"/>.</summary>
    public IActorRef Assembler { get; }

    internal ProtocolSerializer Serializer { get; }

    internal TransportCounters Counters { get; }

    internal IActorRefProvider Provider => _system.Provider;

    /// <summary>The transport that sends pieces of at most <paramref name="chunkBytes"/>.</summary>
    public ITensorTransport WithChunkBytes(int chunkBytes) => new Sized(this, chunkBytes);

    /// <summary>A ref that sends to <paramref name="server"/> in pieces of 64 KiB.</summary>
    public IActorRef To(IActorRef server, string endpoint, DataPlaneCredential? credential = null) => new PiecesRef(this, server, 64 * 1024);

    /// <summary>Serializes <paramref name="message"/> once and sends it in pieces to <paramref name="target"/>'s node.</summary>
    internal void Send(object message, IActorRef target, IActorRef? replyTo, int chunkBytes)
    {
        using var buffer = new FrameWriter(MessageFrame.SizeHint(message) + 512);
        Serializer.Write(buffer, message);
        ReadOnlyMemory<byte> bytes = buffer.Payload;
        string manifest = Serializer.Manifest(message);
        Counters.CountSent(replyTo, bytes.Length);
        long transfer = Random.Shared.NextInt64();
        IActorRef assembler = target is IInternalActorRef { IsLocal: true } ? Assembler : _assemblers.GetOrAdd(target.Path.Address,
            address => _system.Provider.ResolveActorRef(new RootActorPath(address) / "system" / AssemblerName));
        for (int offset = 0; offset < bytes.Length || offset == 0; offset += chunkBytes)
        {
            int length = Math.Min(chunkBytes, bytes.Length - offset);
            assembler.Tell(new MessagePiece(transfer, target, replyTo, manifest, offset, bytes.Length,
                bytes.Slice(offset, length).ToArray()), ActorRefs.NoSender);
            Counters.PieceSent(length);
            if (bytes.Length == 0)
            {
                break;
            }
        }
    }

    private sealed class Sized(PiecesTransport pieces, int chunkBytes) : ITensorTransport
    {
        public IActorRef To(IActorRef server, string endpoint, DataPlaneCredential? credential = null) => new PiecesRef(pieces, server, chunkBytes);
    }
}
