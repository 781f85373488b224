using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
namespace DistNN.Transport.Security;

/// <summary>
/// A private CA and node certificates in a temporary folder (the files scripts/make-certs.sh makes: CA.pem, NODE.pem,
/// NODE.key; EC P-256, valid for 30 days), for the TLS cost benchmark and the specs. Dispose deletes the folder.
/// </summary>
public sealed class TemporaryCertificates : IDisposable
{
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("distnn-certs-").FullName;

    /// <summary>The folder of the files.</summary>
    public string Directory => _dir;

    /// <summary>
    /// A certificate for <paramref name="name"/> signed by the CA named <paramref name="caName"/> (made on first use; two
    /// names make two unrelated CAs), loaded as a node loads its files.
    /// </summary>
    public NodeTls Node(string name, string caName = "ca")
    {
        var (caCert, caKey) = Ca(caName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var signer = ECDsa.Create();
        signer.ImportPkcs8PrivateKey(caKey, out _);
        using var cert = request.Create(caCert.SubjectName, X509SignatureGenerator.CreateForECDsa(signer),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(8));
        string certPath = Path.Combine(_dir, name + ".pem"), keyPath = Path.Combine(_dir, name + ".key");
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return Load(_dir, name, caName);
    }

    /// <summary>The certificate of <paramref name="name"/> from a folder of these files (or of scripts/make-certs.sh).</summary>
    public static NodeTls Load(string directory, string name, string caName = "ca") =>
        NodeTls.Load(Path.Combine(directory, name + ".pem"), Path.Combine(directory, name + ".key"), null, Path.Combine(directory, caName + ".pem"));

    private (X509Certificate2 Cert, byte[] Key) Ca(string name)
    {
        string certPath = Path.Combine(_dir, name + ".pem"), keyPath = Path.Combine(_dir, name + ".pk8");
        if (!File.Exists(certPath))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=Test {name}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(365));
            File.WriteAllText(certPath, ca.ExportCertificatePem());
            File.WriteAllBytes(keyPath, key.ExportPkcs8PrivateKey());
        }
        return (X509Certificate2.CreateFromPem(File.ReadAllText(certPath)), File.ReadAllBytes(keyPath));
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
