using Akka.Actor;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Limits;
using DistNN.Protocol.Serialization.Formatters;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace DistNN.Protocol.Serialization;

/// <summary>
/// The MessagePack options every protocol message is read and written with: DistNN's formatters first (chunk
/// values, actor refs), then <see cref="StandardResolver"/>, which serializes only public
/// <c>[MessagePackObject]</c> contracts and primitives.
/// Deliberately NOT Typeless (a type name on the wire lets a peer pick which type gets instantiated) and NOT
/// <c>StandardResolverAllowPrivate</c> (contracts are public immutable records; private members stay private).
/// <see cref="MessagePackSecurity.UntrustedData"/> adds collision-resistant hashing for maps and a depth limit.
/// </summary>
public static class ProtocolSerializerOptions
{
    /// <summary>Default limits and no ActorSystem: enough for every message without actor refs.</summary>
    public static ProtocolMessagePackOptions Default { get; } = Create(ProtocolLimits.Default);

    public static ProtocolMessagePackOptions Create(ProtocolLimits limits, ExtendedActorSystem? system = null) =>
        (ProtocolMessagePackOptions)new ProtocolMessagePackOptions(MessagePackSerializerOptions.Standard, limits, system)
            .WithResolver(CompositeResolver.Create(
                [new ChunkValuesFormatter(limits), new ActorRefFormatter(limits)],
                [StandardResolver.Instance]))
            .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(limits.MaxDepth))
            .WithCompression(MessagePackCompression.None);
}
