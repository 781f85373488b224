using DistNN.Protocol.Codecs;
using DistNN.Protocol.Limits;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace DistNN.Protocol.Serialization;

/// <summary>
/// The MessagePack options every protocol message is read and written with: the tensor chunk formatter first, then
/// <see cref="StandardResolver"/>, which serializes only public <c>[MessagePackObject]</c> contracts and primitives.
/// Deliberately NOT Typeless (a type name on the wire lets a peer pick which type gets instantiated) and NOT
/// <c>StandardResolverAllowPrivate</c> (contracts are public immutable records; private members stay private).
/// <see cref="MessagePackSecurity.UntrustedData"/> adds collision-resistant hashing for maps and a depth limit.
/// </summary>
public static class ProtocolSerializerOptions
{
    public static MessagePackSerializerOptions Default { get; } = Create(ProtocolLimits.Default);

    public static MessagePackSerializerOptions Create(ProtocolLimits limits) =>
        MessagePackSerializerOptions.Standard
            .WithResolver(CompositeResolver.Create(
                [new TensorChunkFormatter(limits)],
                [StandardResolver.Instance]))
            .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(limits.MaxDepth))
            .WithCompression(MessagePackCompression.None);
}
