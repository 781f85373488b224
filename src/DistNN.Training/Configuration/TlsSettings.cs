using Akka.Configuration;

namespace DistNN.Training.Configuration;

/// <summary>distnn.tls: the files of a node's mutual TLS on Akka.Remote, as its layers merged them (all empty: TLS off).</summary>
[SettingsPath(Section)]
public sealed record TlsSettings
{
    public const string Section = "distnn.tls";

    /// <summary>The node's certificate (PEM); goes with <see cref="Key"/>.</summary>
    public required string Cert { get; init; }

    /// <summary>The private key of <see cref="Cert"/> (PEM, unencrypted).</summary>
    public required string Key { get; init; }

    /// <summary>Instead of cert and key: a PKCS#12 file with both, empty password.</summary>
    public required string Pfx { get; init; }

    /// <summary>The cluster's CA (PEM): a peer's certificate must chain to it, and to nothing else.</summary>
    public required string Ca { get; init; }

    public bool AnySet() => Cert.Length > 0 || Key.Length > 0 || Pfx.Length > 0 || Ca.Length > 0;

    public static TlsSettings From(Config config) => new()
    {
        Cert = ConfigRead.String(config, Section + ".cert"),
        Key = ConfigRead.String(config, Section + ".key"),
        Pfx = ConfigRead.String(config, Section + ".pfx"),
        Ca = ConfigRead.String(config, Section + ".ca"),
    };
}
