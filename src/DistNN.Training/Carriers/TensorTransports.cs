using Akka.Actor;
using Akka.Event;
using DistNN.Protocol.Serialization;
using DistNN.Training.Configuration;
using DistNN.Transport;
using DistNN.Transport.DataPlane;
using DistNN.Transport.Pieces;

namespace DistNN.Training.Carriers;

/// <summary>
/// The tensor transports of one ActorSystem (an Akka extension), beside Akka.Remote's control plane: in process, the
/// data plane (listening as <see cref="DataPlaneSettings"/> say, set by <c>WithTensorDataPlane</c>) and Akka.Remote in
/// pieces, with the node's one <see cref="TransportCounters"/>. The data plane's connections run on mutual TLS when the
/// system has a <see cref="DataPlaneTlsSetup"/>, and within the caps and timeouts of <see cref="DataPlaneSettings"/>.
/// Stopped with the ActorSystem.
/// </summary>
public sealed class TensorTransports : IExtension
{
    public TensorTransports(ExtendedActorSystem system)
    {
        ILoggingAdapter log = Logging.GetLogger(system, typeof(TensorTransports));
        var serializer = new ProtocolSerializer(system);
        var settings = DataPlaneSettings.From(system.Settings.Config);
        DataPlane = new DataPlaneTransport(system, serializer, Counters, log, DataPlaneOptions.Default with
        {
            Tls = system.Settings.Setup.Get<DataPlaneTlsSetup>().Select(s => s.Tls).GetOrElse(null!),
            HandshakeTimeout = settings.HandshakeTimeout,
            MaxPendingConnections = settings.MaxPendingConnections,
            MaxConnections = settings.MaxConnections,
            MaxConnectionsPerPeer = settings.MaxConnectionsPerPeer,
            IdleTimeout = settings.IdleTimeout,
            LocalSocket = settings.LocalSocket,
        });
        Pieces = new PiecesTransport(system, serializer, Counters);
        if (settings.Enabled)
        {
            DataPlane.Listen(settings.Hostname, settings.Port, settings.PublicHostname);
        }
        system.RegisterOnTermination(() => DataPlane.DisposeAsync().AsTask().GetAwaiter().GetResult());
    }

    /// <summary>The transports of <paramref name="system"/>, started on first use.</summary>
    public static TensorTransports Get(ActorSystem system) => system.WithExtension<TensorTransports, TensorTransportsProvider>();

    public InProcessTransport InProcess => InProcessTransport.Instance;

    public DataPlaneTransport DataPlane { get; }

    public PiecesTransport Pieces { get; }

    public TransportCounters Counters { get; } = new();

    /// <summary>A transport every tensor message of this system takes, whatever the plan says (the simulated cluster's network); null: none.</summary>
    public ITensorTransport? Override { get; set; }

    /// <summary>True for an actor of this ActorSystem (reached by reference, no transport needed).</summary>
    public static bool IsLocal(IActorRef actor) => actor is IInternalActorRef { IsLocal: true };
}

public sealed class TensorTransportsProvider : ExtensionIdProvider<TensorTransports>
{
    public override TensorTransports CreateExtension(ExtendedActorSystem system) => new(system);
}
