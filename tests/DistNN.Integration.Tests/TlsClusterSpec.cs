using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace DistNN.Integration.Tests;

/// <summary>
/// `distnn node` with mutual TLS on Akka.Remote, as real processes on loopback, with certificates from
/// scripts/make-certs.sh: nodes of the cluster's CA train together; a node with another CA's certificate, or without
/// TLS, never joins.
/// </summary>
public sealed class TlsClusterSpec : IDisposable
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_run = TimeSpan.FromMinutes(3);

    private readonly NodeGroup _group = new("distnn-tls-");
    private readonly string _certs;

    public TlsClusterSpec()
    {
        _certs = Path.Combine(_group.Dir, "certs");
        MakeCerts(_certs, "coordinator", "ps", "worker");
    }

    [Fact]
    public void A_tls_cluster_of_one_coordinator_one_ps_and_one_worker_trains_and_every_node_exits_0()
    {
        string mnist = Mnist.RequireDir();
        string summaryPath = Path.Combine(_group.Dir, "summary.json");
        string seed = StartCoordinator("--servers", "1", "--workers", "1", "--epochs", "1", "--train-limit", "6400",
            "--registration-timeout", "120", "--data-dir", mnist, "--summary-json", summaryPath);
        _group.Start("ps", ["--role", "ps", "--seed", seed, "--threads", "1", .. Tls("ps")]);
        // The PKCS#12 form of the same credentials.
        _group.Start("worker", ["--role", "worker", "--seed", seed, "--data-dir", mnist, "--threads", "1",
            "--tls-pfx", Path.Combine(_certs, "worker.pfx"), "--tls-ca", Path.Combine(_certs, "ca.pem")]);

        var exits = NodeGroup.WaitForExits(_group.All, s_run);

        Assert.True(exits.All(e => e == 0), $"exit codes {string.Join(", ", exits)}\n{_group.Diagnostics()}");
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        Assert.Equal(6_400, summary.RootElement.GetProperty("samples_processed").GetInt64());
        Assert.True(summary.RootElement.GetProperty("test_accuracy").GetDouble() >= 0.85, summary.RootElement.ToString());
    }

    [Fact]
    public void A_worker_with_a_certificate_from_another_ca_cannot_join_and_says_why()
    {
        string other = Path.Combine(_group.Dir, "other");
        MakeCerts(other, "--other-ca", "rogue");
        string seed = StartCoordinator(Unjoinable());
        var coordinator = _group.All[0];
        _group.Start("ps", ["--role", "ps", "--seed", seed, "--threads", "1", .. Tls("ps")]);
        // A node consistent with itself (its certificate chains to the CA it trusts), but not with the cluster's CA.
        var rogue = _group.Start("rogue", "--role", "worker", "--seed", seed, "--join-timeout", "6",
            "--tls-pfx", Path.Combine(other, "rogue.pfx"), "--tls-ca", Path.Combine(other, "other-ca.pem"));

        int? exit = rogue.WaitForExit(s_start);

        Assert.True(exit is not null && exit != 0, $"exit code {exit}\n{_group.Diagnostics()}");
        Assert.Contains("could not join the cluster", rogue.Output);
        Assert.Contains("TLS: refused the certificate CN=coordinator", rogue.Output);
        Assert.Contains("not signed by the cluster's CA", rogue.Output);
        AssertNeverJoined(coordinator);
    }

    [Theory]
    [InlineData("--other-ca", "not signed by the cluster's CA")]
    [InlineData("--expired", "expired or not yet valid")]
    public void A_tls_client_presenting_another_cas_certificate_or_an_expired_one_is_refused_by_the_coordinator_at_the_handshake(
        string kind, string why)
    {
        // An expired certificate is signed by the cluster's own CA (make-certs reuses the CA of the folder).
        string dir = kind == "--expired" ? _certs : Path.Combine(_group.Dir, "other");
        MakeCerts(dir, kind, "rogue");
        string seed = StartCoordinator(Unjoinable());
        var coordinator = _group.All[0];
        int port = int.Parse(seed[(seed.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        using var rogue = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(dir, "rogue.pfx"), (string?)null);

        // Unlike a distnn node, this client trusts any server: only the coordinator's check can stop it.
        using var tcp = new TcpClient();
        tcp.Connect(IPAddress.Loopback, port);
        using var ssl = new SslStream(tcp.GetStream());
        tcp.ReceiveTimeout = 10_000;
        var refused = Record.Exception(() =>
        {
            ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ClientCertificates = [rogue],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            // TLS 1.3 reports a refused client certificate after the client's side of the handshake: at the first read.
            ssl.Write([0, 0, 0, 4, 1, 2, 3, 4]);
            if (ssl.ReadByte() < 0)
            {
                throw new IOException("closed by the coordinator");
            }
        });

        Assert.True(refused is AuthenticationException or IOException, $"the connection was not refused: {refused}\n{_group.Diagnostics()}");
        Assert.True(coordinator.WaitForLine("TLS: refused the certificate CN=rogue", s_start), _group.Diagnostics());
        Assert.Contains(coordinator.Output.Split('\n'), line => line.Contains("TLS: refused the certificate CN=rogue") && line.Contains(why));
    }

    [Fact]
    public void A_worker_without_tls_cannot_join_a_tls_cluster()
    {
        string seed = StartCoordinator(Unjoinable());
        var coordinator = _group.All[0];
        _group.Start("ps", ["--role", "ps", "--seed", seed, "--threads", "1", .. Tls("ps")]);
        var plain = _group.Start("plain", "--role", "worker", "--seed", seed.Replace("akka.ssl.tcp://", "akka.tcp://", StringComparison.Ordinal),
            "--join-timeout", "6");

        int? exit = plain.WaitForExit(s_start);

        Assert.True(exit is not null && exit != 0, $"exit code {exit}\n{_group.Diagnostics()}");
        Assert.Contains("could not join the cluster", plain.Output);
        AssertNeverJoined(coordinator);
    }

    [Fact]
    public void A_node_whose_tls_file_is_missing_exits_2_naming_it()
    {
        string missing = Path.Combine(_certs, "nobody.pem");
        var node = _group.Start("worker", "--role", "worker", "--seed", "akka.tcp://distnn@127.0.0.1:4053",
            "--tls-cert", missing, "--tls-key", Path.Combine(_certs, "worker.key"), "--tls-ca", Path.Combine(_certs, "ca.pem"));

        Assert.Equal(2, node.WaitForExit(s_start));
        Assert.Contains($"--tls-cert: no such file: {missing}", node.Output);
    }

    [Fact]
    public void A_node_with_an_expired_certificate_exits_2_saying_so()
    {
        MakeCerts(_certs, "--expired", "old");
        var node = _group.Start("old", ["--role", "worker", "--seed", "akka.tcp://distnn@127.0.0.1:4053", .. Tls("old")]);

        Assert.Equal(2, node.WaitForExit(s_start));
        Assert.Contains("CN=old is refused by the CA", node.Output);
        Assert.Contains("expired", node.Output);
    }

    /// <summary>
    /// A coordinator waiting 25 s for one ps and one worker (the refused node gives up after its 6 s join timeout); the
    /// tests start a legitimate ps beside the refused worker.
    /// </summary>
    private static string[] Unjoinable() => ["--servers", "1", "--workers", "1", "--epochs", "1", "--registration-timeout", "25",
        "--data-dir", Mnist.RequireDir()];

    /// <summary>The coordinator's registration ran out with the legitimate ps registered and no worker.</summary>
    private void AssertNeverJoined(NodeProcess coordinator)
    {
        int? exit = coordinator.WaitForExit(s_start);
        Assert.True(exit is not null && exit != 0, $"exit code {exit}\n{_group.Diagnostics()}");
        Assert.Contains("1/1 parameter servers and 0/1 workers registered", coordinator.Output);
    }

    private string[] Tls(string node) =>
        ["--tls-cert", Path.Combine(_certs, node + ".pem"), "--tls-key", Path.Combine(_certs, node + ".key"), "--tls-ca", Path.Combine(_certs, "ca.pem")];

    private static void MakeCerts(string dir, params string[] args)
    {
        var (exit, output) = Repository.Run(Path.Combine(Repository.Root, "scripts", "make-certs.sh"), [.. args.Where(a => a.StartsWith('-')), dir,
            .. args.Where(a => !a.StartsWith('-'))], TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, output);
    }

    /// <summary>Starts the TLS coordinator on a free port, waits until it has formed the cluster, and returns its seed address.</summary>
    private string StartCoordinator(params string[] args)
    {
        int port = NodeProcess.FreePort();
        string seed = $"akka.ssl.tcp://distnn@127.0.0.1:{port}";
        var coordinator = _group.Start("coordinator", ["--role", "coordinator", "--port", port.ToString(CultureInfo.InvariantCulture), "--seed", seed,
            "--threads", "1", "--no-progress", .. Tls("coordinator"), .. args]);
        Assert.True(coordinator.WaitForLine("joined the cluster", s_start), _group.Diagnostics());
        return seed;
    }

    public void Dispose() => _group.Dispose();
}
