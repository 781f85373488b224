using Akka.Actor.Setup;
using DistNN.Transport.Security;

namespace DistNN.Training.Carriers;

/// <summary>The node's mutual TLS for its tensor data plane (an ActorSystem setup: certificates are objects, not HOCON).</summary>
public sealed class DataPlaneTlsSetup(NodeTls tls) : Setup
{
    public NodeTls Tls { get; } = tls;
}
