using System.Text.Json;
using System.Text.RegularExpressions;

namespace DistNN.Integration.Tests;

/// <summary>
/// docker-compose.yml for real: the image is built (on local base images where no registry can be reached,
/// scripts/container-base.sh) and the compose cluster trains the mlp. It takes minutes, so it is opt-in
/// (DISTNN_COMPOSE_TEST=1) and says loudly when it did not run.
/// </summary>
public sealed partial class ComposeClusterSpec : IDisposable
{
    public const string OptIn = "DISTNN_COMPOSE_TEST";

    private readonly string _runs = Directory.CreateTempSubdirectory("distnn-compose-").FullName;

    [SkippableFact]
    public void The_compose_cluster_with_two_servers_and_two_workers_trains_the_mlp_to_95_percent_and_every_container_exits_0()
    {
        Skip.If(Environment.GetEnvironmentVariable(OptIn) != "1",
            $"SKIPPED LOUDLY: the docker-compose cluster was NOT run: it is opt-in ({OptIn}=1), as it builds the image and trains for minutes");
        Skip.If(Repository.FindOnPath("docker-compose") is null,
            "SKIPPED LOUDLY: docker-compose is not installed; the compose cluster was NOT run (Debian: apt-get install docker.io docker-compose)");
        Skip.If(Repository.Run("docker", ["info"], TimeSpan.FromSeconds(30)).ExitCode != 0,
            "SKIPPED LOUDLY: no Docker daemon answers; the compose cluster was NOT run (start one: dockerd --storage-driver=overlay2 &)");
        string mnist = Mnist.RequireDir();

        var (baseCode, exports) = Repository.Run("bash", [Script("container-base.sh")], TimeSpan.FromMinutes(15));
        Assert.True(baseCode == 0, $"container-base.sh failed ({baseCode}):\n{exports}");
        var environment = Exports(exports);
        environment["DISTNN_MNIST_DIR"] = mnist;
        environment["DISTNN_RUNS_DIR"] = _runs;

        var (code, output) = Repository.Run("bash",
            [Script("compose-run.sh"), "--workers", "2", "--epochs", "5", "--project", "distnnspec", "--min-accuracy", "0"],
            TimeSpan.FromMinutes(20), environment);

        Assert.True(code == 0, $"compose-run.sh exited with {code}:\n{output}");
        var codes = ExitCodes().Match(output);
        Assert.True(codes.Success, $"no exit codes in the output:\n{output}");
        var containers = codes.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('=')).ToDictionary(c => c[0], c => int.Parse(c[1]));
        Assert.Equal(["distnnspec_coordinator_1", "distnnspec_ps-0_1", "distnnspec_ps-1_1", "distnnspec_worker_1", "distnnspec_worker_2"],
            containers.Keys.Order());
        Assert.All(containers, c => Assert.True(c.Value == 0, $"{c.Key} exited with {c.Value}\n{output}"));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_runs, "distnnspec-summary.json")));
        double accuracy = summary.RootElement.GetProperty("test_accuracy").GetDouble();
        Assert.True(accuracy >= 0.95, $"test accuracy {accuracy:P2} after 5 epochs in containers\n{output}");
        Assert.True(summary.RootElement.GetProperty("bytes_pushed").GetInt64() > 0, "no tensor bytes crossed the containers' network");
        // compose-run.sh removes the containers at the end: nothing of the project is left running.
        Assert.Equal("", Repository.Run("docker", ["ps", "-aq", "--filter", "label=com.docker.compose.project=distnnspec"],
            TimeSpan.FromSeconds(30)).Output.Trim());
    }

    public void Dispose() => Directory.Delete(_runs, recursive: true);

    private static string Script(string name) => Path.Combine(Repository.Root, "scripts", name);

    /// <summary>The variables of container-base.sh's "export A=B C=D" line (none when the official images are used).</summary>
    private static Dictionary<string, string> Exports(string output) =>
        output.Split('\n').Where(l => l.StartsWith("export ", StringComparison.Ordinal))
            .SelectMany(l => l["export ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    [GeneratedRegex(@"exit codes ((?:\S+=-?\d+ ?)+)")]
    private static partial Regex ExitCodes();
}
