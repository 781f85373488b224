using DistNN.Protocol.Messages;
using MessagePack;

namespace DistNN.Protocol.Tests;

// Example contracts for these specs only; the real ones live in DistNN.Protocol's Messages.

[MessagePackObject]
public sealed record ExamplePushGradients(
    [property: Key(0)] int Worker,
    [property: Key(1)] long Step,
    [property: Key(2)] ChunkValues[] Chunks) : IProtocolMessage;

[MessagePackObject]
public sealed record ExampleHello(
    [property: Key(0)] string Node,
    [property: Key(1)] string[] Roles,
    [property: Key(2)] Dictionary<string, int> Ports) : IProtocolMessage;
