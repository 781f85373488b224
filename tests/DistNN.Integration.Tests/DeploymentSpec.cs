using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DistNN.Integration.Tests;

/// <summary>
/// The container deployment: docker-compose.yml must be a valid compose file whose topology agrees with itself, and the
/// Dockerfile must restore every project the distnn command is built from. No Docker engine runs here; Debian's
/// docker-compose validates the file without one.
/// </summary>
public sealed partial class DeploymentSpec
{
    [SkippableFact]
    public void The_compose_file_is_valid_and_its_coordinator_waits_for_as_many_servers_as_it_defines()
    {
        string? tool = Repository.FindOnPath("docker-compose");
        Skip.If(tool is null, "SKIPPED LOUDLY: docker-compose is not installed, so docker-compose.yml was NOT validated " +
            "(Debian: apt-get install docker-compose)");

        var (code, config) = Repository.Run(tool!, ["-f", "docker-compose.yml", "config"], TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"docker-compose config failed ({code}):\n{config}");
        var (servicesCode, servicesOutput) = Repository.Run(tool!, ["-f", "docker-compose.yml", "config", "--services"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, servicesCode);
        var services = servicesOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(s => !s.StartsWith("stderr:", StringComparison.Ordinal)).ToHashSet();

        Assert.Contains("coordinator", services);
        Assert.Contains("worker", services);
        int psServices = services.Count(s => s.StartsWith("ps-", StringComparison.Ordinal));
        Assert.True(psServices >= 1, $"no parameter-server service in {string.Join(", ", services)}");
        // The coordinator's --servers (the plan waits for that many) must match the ps services, or the run never starts.
        var servers = ServersOption().Match(config);
        Assert.True(servers.Success, $"the coordinator has no --servers option:\n{config}");
        Assert.Equal(psServices, int.Parse(servers.Groups[1].Value));
        // Every node is pointed at the coordinator as its seed, with the port the coordinator listens on.
        Assert.Contains("DISTNN_SEEDS: akka.tcp://distnn@coordinator:4053", config);
        Assert.Contains("DISTNN_PORT: '4053'", config);
    }

    [Fact]
    public void The_Dockerfile_restores_exactly_the_projects_the_distnn_command_is_built_from()
    {
        string dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile"));
        var copied = CopiedProject().Matches(dockerfile).Select(m => m.Groups[1].Value).ToHashSet();

        var needed = new HashSet<string>();
        var pending = new Stack<string>(["src/DistNN.Cli/DistNN.Cli.csproj"]);
        while (pending.TryPop(out string? project))
        {
            if (!needed.Add(project))
            {
                continue;
            }
            string folder = Path.GetDirectoryName(project)!;
            foreach (var reference in XDocument.Load(Path.Combine(Repository.Root, project)).Descendants("ProjectReference"))
            {
                string full = Path.GetFullPath(Path.Combine(Repository.Root, folder, reference.Attribute("Include")!.Value));
                pending.Push(Path.GetRelativePath(Repository.Root, full).Replace('\\', '/'));
            }
        }

        Assert.Equal(needed.Order(), copied.Order());
    }

    [Fact]
    public void The_container_entrypoint_starts_distnn_node_bound_to_every_interface()
    {
        string entry = File.ReadAllText(Path.Combine(Repository.Root, "scripts", "container-entrypoint.sh"));
        string dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile"));

        Assert.Contains("COPY scripts/container-entrypoint.sh /usr/local/bin/distnn-node", dockerfile);
        Assert.Contains("ENTRYPOINT [\"distnn-node\"]", dockerfile);
        Assert.Contains("exec dotnet /app/distnn.dll node \"$@\"", entry);
        Assert.Contains(": \"${DISTNN_HOST:=0.0.0.0}\"", entry);
    }

    [GeneratedRegex(@"-\s+--servers\s*\n\s*-\s+'?(\d+)'?")]
    private static partial Regex ServersOption();

    [GeneratedRegex(@"^COPY\s+(src/\S+\.csproj)\s", RegexOptions.Multiline)]
    private static partial Regex CopiedProject();
}
