namespace DistNN.Transport.DataPlane;

/// <summary>Why the data plane refused a frame or a connection (counted per kind in <see cref="TransportCounters"/>).</summary>
public enum DataPlaneRefusal
{
    /// <summary>A message type the data plane does not carry (only pushes, pulls, idle notices and their replies).</summary>
    MessageType,

    /// <summary>A path that is not a parameter server this node serves on the data plane.</summary>
    Target,

    /// <summary>No credential, one not issued under the run's key, or a push in another worker's name.</summary>
    Credential,

    /// <summary>The TLS handshake failed (no or a foreign certificate, plain TCP) or did not finish in time.</summary>
    Handshake,

    /// <summary>Beyond the cap on connections per server or per peer address.</summary>
    ConnectionLimit,
}
