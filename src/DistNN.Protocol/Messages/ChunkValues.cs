namespace DistNN.Protocol.Messages;

/// <summary>
/// The values of one parameter chunk (weights, gradient or state) at a version. In one process the memory
/// is passed by reference: the sender must not touch it until the receiver's reply arrives. On the wire it is
/// <c>[chunkId, version, bin]</c>, the floats one little-endian bin (<see cref="Serialization.Formatters.ChunkValuesFormatter"/>).
/// </summary>
public sealed record ChunkValues(int ChunkId, long Version, ReadOnlyMemory<float> Values);
