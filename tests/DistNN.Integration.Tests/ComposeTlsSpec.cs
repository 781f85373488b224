namespace DistNN.Integration.Tests;

/// <summary>
/// docker-compose.tls.yml over docker-compose.yml: every service (each ps, the coordinator, the worker replicas) mounts its
/// own certificate and key and the CA read-only, and every node seeds over akka.ssl.tcp. Validated with docker-compose
/// config (no Docker engine needed).
/// </summary>
public sealed class ComposeTlsSpec
{
    [SkippableFact]
    public void The_tls_override_mounts_each_services_own_certificate_and_seeds_over_tls()
    {
        string? tool = Repository.FindOnPath("docker-compose");
        Skip.If(tool is null, "SKIPPED LOUDLY: docker-compose is not installed, so docker-compose.tls.yml was NOT validated " +
            "(Debian: apt-get install docker-compose)");

        var (code, config) = Repository.Run(tool!, ["-f", "docker-compose.yml", "-f", "docker-compose.tls.yml", "config"], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"docker-compose config failed ({code}):\n{config}");
        var (_, servicesOutput) = Repository.Run(tool!, ["-f", "docker-compose.yml", "config", "--services"], TimeSpan.FromSeconds(60));
        var services = servicesOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => !s.StartsWith("stderr:", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(services);
        foreach (string service in services)
        {
            Assert.Contains($"certs/{service}.pem:/certs/node.pem:ro", config);
            Assert.Contains($"certs/{service}.key:/certs/node.key:ro", config);
        }
        Assert.DoesNotContain("akka.tcp://", config);
        Assert.Contains("DISTNN_SEEDS: akka.ssl.tcp://distnn@coordinator:4053", config);
        Assert.Equal(services.Count, config.Split("DISTNN_TLS_CA: /certs/ca.pem").Length - 1);
    }
}
