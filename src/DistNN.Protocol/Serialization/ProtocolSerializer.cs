using DistNN.Protocol.Framing;
using System.Buffers;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using DistNN.Protocol.Limits;
using MessagePack;

namespace DistNN.Protocol.Serialization;

/// <summary>
/// The Akka serializer of every <see cref="IProtocolMessage"/>: MessagePack under a registered string manifest,
/// inside a version envelope <c>[protocolVersion, message]</c>. Incoming bytes are checked against
/// <see cref="ProtocolLimits"/> before anything is allocated; an unknown manifest, another protocol version, a limit
/// violation or malformed bytes become a <see cref="SerializationException"/> that says why (Akka.Remote then drops
/// the message), and are counted in <see cref="LimitViolations.Shared"/>.
/// Bind it with <see cref="Setup"/> (or Akka.Hosting's <c>WithDistNNSerializer</c>). Actor refs inside messages travel
/// as paths and are resolved through the ActorSystem the serializer was created for.
/// </summary>
public sealed class ProtocolSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 4711;

    /// <summary>The binding as a setup, for ActorSystems (and TestKits) created directly: <c>BootstrapSetup.Create().And(Setup)</c>.</summary>
    public static SerializationSetup Setup { get; } = SerializationSetup.Create(system =>
        [SerializerDetails.Create("distnn", new ProtocolSerializer(system), [typeof(IProtocolMessage)])]);

    private const int EnvelopeFields = 2;
    private const int KeptBufferBytes = 1024 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private readonly ProtocolMessageRegistry _registry;
    private readonly ProtocolLimits _limits;
    private readonly MessagePackSerializerOptions _options;
    private readonly LimitViolations _violations;

    public ProtocolSerializer(ExtendedActorSystem system)
        : this(system, ProtocolMessageRegistry.Default, ProtocolLimits.Default, LimitViolations.Shared)
    {
    }

    public ProtocolSerializer(ExtendedActorSystem? system, ProtocolMessageRegistry registry, ProtocolLimits limits,
        LimitViolations violations)
        : base(system)
    {
        _registry = registry;
        _limits = limits;
        _violations = violations;
        _options = system is null && limits == ProtocolLimits.Default
            ? ProtocolSerializerOptions.Default
            : ProtocolSerializerOptions.Create(limits, system);
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => _registry.ManifestOf(o.GetType());

    public override byte[] ToBinary(object obj)
    {
        // A buffer per thread, reused, so that a 64 KiB piece of the chunked carrier leaves no large-object-heap array
        // behind. Very large ones are not kept.
        ArrayBufferWriter<byte> buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        Write(buffer, obj);
        byte[] bytes = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > KeptBufferBytes)
        {
            t_buffer = null;
        }
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest) => Read(new ReadOnlySequence<byte>(bytes), manifest);

    /// <summary>
    /// Writes <paramref name="message"/> in its <c>[protocolVersion, message]</c> envelope into
    /// <paramref name="output"/> (a pooled frame, say), so a tensor message is not first copied into a fresh array.
    /// </summary>
    public void Write(IBufferWriter<byte> output, object message)
    {
        var writer = new MessagePackWriter(output);
        writer.WriteArrayHeader(EnvelopeFields);
        writer.Write(ProtocolVersion.Current);
        MessagePackSerializer.Serialize(message.GetType(), ref writer, message, _options);
        writer.Flush();
    }

    /// <summary>
    /// <see cref="Write(IBufferWriter{byte}, object)"/> into a frame that holds large dense chunk values by reference
    /// (<see cref="FrameWriter.AppendExternal"/>): for a frame sent, or materialized, before those arrays can change.
    /// </summary>
    public void WriteByReference(FrameWriter frame, object message)
    {
        var writer = new MessagePackWriter(frame);
        writer.WriteArrayHeader(EnvelopeFields);
        writer.Write(ProtocolVersion.Current);
        MessagePackSerializer.Serialize(message.GetType(), ref writer, message,
            ((ProtocolMessagePackOptions)_options).WithValuesByReference(frame));
        writer.Flush();
    }

    /// <summary>
    /// Reads what <see cref="Write"/> wrote, with every check of <see cref="FromBinary"/>. With
    /// <paramref name="valueArrays"/> the chunk values are read into its arrays (reused buffers, lent under its loan) instead of new ones.
    /// </summary>
    public object Read(ReadOnlySequence<byte> bytes, string manifest, Ownership.IValueArrays? valueArrays = null)
    {
        try
        {
            return Deserialize(bytes, manifest, valueArrays is null ? _options : ((ProtocolMessagePackOptions)_options).WithValueArrays(valueArrays));
        }
        catch (WireProtocolException violation)
        {
            _violations.Record(violation);
            throw;
        }
    }

    private object Deserialize(ReadOnlySequence<byte> bytes, string manifest, MessagePackSerializerOptions options)
    {
        if (!_registry.TryGetType(manifest, out Type type))
        {
            throw new WireProtocolException(ViolationKind.UnknownManifest,
                $"unknown message manifest '{Truncate(manifest)}': the sender runs a DistNN build with message types this node lacks");
        }
        MessagePackLimits.Validate(bytes, _limits);
        var reader = new MessagePackReader(bytes);
        try
        {
            if (reader.ReadArrayHeader() != EnvelopeFields)
            {
                throw new WireProtocolException(ViolationKind.Malformed,
                    $"message '{manifest}' lacks the [version, message] envelope");
            }
            int version = reader.ReadInt32();
            if (version != ProtocolVersion.Current)
            {
                throw new WireProtocolException(ViolationKind.VersionMismatch,
                    $"message '{manifest}' was written with protocol version {version}, this node speaks {ProtocolVersion.Current}: "
                    + "run the same DistNN version on every node");
            }
            object? message = MessagePackSerializer.Deserialize(type, ref reader, options);
            return message ?? throw new WireProtocolException(ViolationKind.Malformed, $"message '{manifest}' is nil");
        }
        catch (WireProtocolException)
        {
            throw;
        }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or OverflowException
            or InvalidOperationException or ArgumentException or FormatException)
        {
            WireProtocolException? inner = FindViolation(e);
            throw inner is not null
                ? new WireProtocolException(inner.Kind, $"message '{manifest}': {inner.Message}", e)
                : new WireProtocolException(ViolationKind.Malformed, $"malformed message '{manifest}': {Innermost(e).Message}", e);
        }
    }

    private static WireProtocolException? FindViolation(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is WireProtocolException violation)
            {
                return violation;
            }
        }
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
