using System.Buffers;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// Receives each frame's payload on the connection's receive loop. The payload is valid only during the call:
/// decode it (e.g. <c>MessageFrame.ReadHeader</c>, then the serializer into reused arrays) and hand the result on, for
/// instance to an actor's mailbox; the next frame is not read until the handler returns, which is the receive side's flow control.
/// A <see cref="System.Runtime.Serialization.SerializationException"/> from the handler drops that frame (counted);
/// any other exception closes the connection.
/// </summary>
public delegate void FrameHandler(DataPlaneConnection connection, ReadOnlySequence<byte> payload);

/// <summary>
/// Asked on the receive loop when a frame's first large chunk bin is about to arrive, with the frame's bytes before it
/// (its header fields complete): the arrays its message's values go into, the next message's set of the sender's
/// <see cref="ReceiveArrays"/> (the handler then reads the frame with these, <see cref="DataPlaneConnection.PlacedArrays"/>),
/// or null to read the frame whole and decide when it has arrived (a frame this node would refuse).
/// </summary>
public delegate DistNN.Protocol.Ownership.IValueArrays? FramePlacement(DataPlaneConnection connection, ReadOnlySequence<byte> frameStart);
