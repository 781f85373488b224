using System.Collections.Concurrent;

namespace DistNN.Protocol.Serialization;

/// <summary>
/// The manifest ↔ type table of <see cref="ProtocolSerializer"/>. A manifest is a short stable name (never a CLR type
/// name, so renaming a class does not change the wire and a peer cannot name an arbitrary type). Register every
/// contract once at start-up, e.g. <c>registry.Register&lt;PushGradients&gt;("distnn.push-gradients")</c>.
/// <see cref="Default"/> already holds every DistNN message (<see cref="Messages.DistNNMessages"/>).
/// </summary>
public sealed class ProtocolMessageRegistry
{
    private readonly ConcurrentDictionary<string, Type> _types = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _manifests = new();

    public static ProtocolMessageRegistry Default { get; } = Messages.DistNNMessages.Register(new ProtocolMessageRegistry());

    /// <summary>Registers <typeparamref name="T"/> under <paramref name="manifest"/>; registering the same pair again is harmless.</summary>
    public ProtocolMessageRegistry Register<T>(string manifest) where T : IProtocolMessage
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifest);
        lock (_types)
        {
            if (_types.TryGetValue(manifest, out Type? existing) && existing != typeof(T))
            {
                throw new InvalidOperationException(
                    $"manifest '{manifest}' is already registered for {existing.FullName}, cannot also name {typeof(T).FullName}");
            }
            if (_manifests.TryGetValue(typeof(T), out string? other) && other != manifest)
            {
                throw new InvalidOperationException(
                    $"{typeof(T).FullName} is already registered as '{other}', cannot also be '{manifest}'");
            }
            _types[manifest] = typeof(T);
            _manifests[typeof(T)] = manifest;
        }
        return this;
    }

    public bool TryGetType(string manifest, out Type type) => _types.TryGetValue(manifest, out type!);

    public string ManifestOf(Type type) =>
        _manifests.TryGetValue(type, out string? manifest)
            ? manifest
            : throw new ArgumentException(
                $"{type.FullName} is not a registered protocol message: register it with ProtocolMessageRegistry.Register");
}
