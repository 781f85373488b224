using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;

namespace DistNN.Training.Cluster;

/// <summary>
/// A node's mutual TLS on Akka.Remote: its own certificate (with private key) and the cluster's CA. A peer is accepted
/// only if it presents a certificate that chains to that CA alone (the system's store is not consulted) and is in date.
/// </summary>
public sealed class NodeTls
{
    private readonly X509Certificate2 _ca;

    private NodeTls(X509Certificate2 certificate, X509Certificate2 ca)
    {
        Certificate = certificate;
        _ca = ca;
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
    public bool Validate(X509Certificate2? certificate, X509Chain? chain, string remotePeer, SslPolicyErrors errors, ILoggingAdapter log)
    {
        string? error = certificate is null ? "it presented no certificate" : ChainError(certificate);
        if (error is null)
        {
            return true;
        }
        string refusal = $"TLS: refused the certificate{(certificate is null ? "" : " " + certificate.Subject)} of peer {remotePeer}: {error}";
        // A peer retries every second: say each distinct refusal once.
        if (refusal != LastRefusal)
        {
            LastRefusal = refusal;
            Refused?.Invoke(refusal);
        }
        return false;
    }

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
