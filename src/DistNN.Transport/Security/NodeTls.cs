using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;

namespace DistNN.Transport.Security;

/// <summary>
/// A node's mutual TLS, on Akka.Remote and on the tensor data plane: its own certificate (with private key) and the
/// cluster's CA. A peer is accepted only if it presents a certificate that chains to that CA alone (the system's store
/// is not consulted) and is in date; one check (<see cref="Accepts"/>) serves both.
/// </summary>
public sealed class NodeTls
{
    private readonly X509Certificate2 _ca;
    private readonly SslStreamCertificateContext _context;

    private NodeTls(X509Certificate2 certificate, X509Certificate2 ca)
    {
        Certificate = certificate;
        _ca = ca;
        _context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Why the last peer was refused (one line), or null; a node that cannot join says it.</summary>
    public string? LastRefusal { get; private set; }

    /// <summary>Called with the one-line reason whenever a peer's certificate is refused.</summary>
    public event Action<string>? Refused;

    /// <summary>
    /// Loads the node's certificate from PEM files (<paramref name="certPem"/> and <paramref name="keyPem"/>) or a PKCS#12
    /// file with an empty password (<paramref name="pfx"/>), and the CA from <paramref name="caPem"/>; the node's own
    /// certificate must chain to that CA and be in date, or the node could join nothing.
    /// </summary>
    public static NodeTls Load(string? certPem, string? keyPem, string? pfx, string caPem)
    {
        var certificate = pfx is not null
            ? X509CertificateLoader.LoadPkcs12FromFile(pfx, password: (string?)null)
            : X509Certificate2.CreateFromPemFile(certPem!, keyPem);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"{pfx ?? certPem}: the certificate has no private key");
        }
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPem));
        var tls = new NodeTls(certificate, ca);
        if (tls.ChainError(certificate) is { } error)
        {
            throw new ArgumentException($"{pfx ?? certPem}: this node's certificate {certificate.Subject} is refused by the CA {caPem}: {error}");
        }
        return tls;
    }

    /// <summary>Akka.Remote's validation callback, on both ends of every connection.</summary>
    public bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, SslPolicyErrors errors, ILoggingAdapter log) =>
        Accepts(certificate, remotePeer);

    /// <summary>
    /// True if <paramref name="certificate"/> chains to the cluster's CA and is in date; else the refusal is reported
    /// (<see cref="Refused"/>, each distinct one once: a peer retries every second). The host name is not checked: a
    /// node is known by its certificate, not by the address it is reached at.
    /// </summary>
    public bool Accepts(X509Certificate? certificate, string remotePeer)
    {
        var presented = certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        string? error = presented is null ? "it presented no certificate" : ChainError(presented);
        if (error is null)
        {
            return true;
        }
        string refusal = $"TLS: refused the certificate{(presented is null ? "" : " " + presented.Subject)} of peer {remotePeer}: {error}";
        if (refusal != LastRefusal)
        {
            LastRefusal = refusal;
            Refused?.Invoke(refusal);
        }
        return false;
    }

    /// <summary>
    /// The data plane speaks TLS 1.3 with AES-128-GCM alone: both ends are DistNN nodes, and AES-128 with AES-NI costs
    /// about a third less per byte than the AES-256 OpenSSL would pick (docs/tls.md has the figures).
    /// </summary>
    private static readonly CipherSuitesPolicy? s_cipherSuites =
        OperatingSystem.IsWindows() ? null : new CipherSuitesPolicy([TlsCipherSuite.TLS_AES_128_GCM_SHA256]);

    /// <summary>The server side of a data-plane handshake with <paramref name="remotePeer"/>: the client must present a certificate <see cref="Accepts"/> takes.</summary>
    public SslServerAuthenticationOptions ServerOptions(string remotePeer) => new()
    {
        ServerCertificateContext = _context,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls13,
        CipherSuitesPolicy = s_cipherSuites,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Accepts(certificate, remotePeer),
    };

    /// <summary>The client side of a data-plane handshake with <paramref name="remotePeer"/> (reached as <paramref name="host"/>).</summary>
    public SslClientAuthenticationOptions ClientOptions(string host, string remotePeer) => new()
    {
        TargetHost = host,
        ClientCertificateContext = _context,
        EnabledSslProtocols = SslProtocols.Tls13,
        CipherSuitesPolicy = s_cipherSuites,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Accepts(certificate, remotePeer),
    };

    /// <summary>Null if <paramref name="certificate"/> chains to the CA and is in date; else why not, in a few words.</summary>
    private string? ChainError(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate))
        {
            return null;
        }
        var status = chain.ChainStatus.Select(s => s.Status switch
        {
            X509ChainStatusFlags.NotTimeValid => $"expired or not yet valid ({certificate.NotBefore:u} to {certificate.NotAfter:u})",
            X509ChainStatusFlags.PartialChain or X509ChainStatusFlags.UntrustedRoot => $"not signed by the cluster's CA (issuer {certificate.Issuer})",
            _ => s.StatusInformation.Trim(),
        }).Distinct();
        return string.Join("; ", status);
    }
}
