using System.Diagnostics;

namespace DistNN.Cli.Tests;

public class ToolPackageSpec
{
    private static (int ExitCode, string Output) Run(string file, IDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(" ", args)} did not finish in 5 minutes");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    [Fact]
    public void The_packed_tool_installs_into_a_tool_path_and_runs_its_commands()
    {
        var dir = Distnn.TempDir();
        string packages = Path.Combine(dir, "packages"), tools = Path.Combine(dir, "tools");
        // The project is built already (this test project references it): pack what is there.
        var pack = Run("dotnet", null, "pack", Path.Combine(Distnn.RepositoryRoot(), "src", "DistNN.Cli"), "-c", "Release", "--no-build", "-o", packages, "-nologo");
        Assert.True(pack.ExitCode == 0, pack.Output);
        var nupkg = Assert.Single(Directory.GetFiles(packages, "distnn.*.nupkg"));
        string version = Path.GetFileNameWithoutExtension(nupkg)["distnn.".Length..];
        // Only the local folder as a source, and a cache of its own, so nothing else can be installed instead.
        string config = Path.Combine(dir, "nuget.config");
        File.WriteAllText(config, $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><clear /><add key="local" value="{packages}" /></packageSources></configuration>""");

        var install = Run("dotnet", new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(dir, "cache") },
            "tool", "install", "--tool-path", tools, "--configfile", config, "distnn", "--version", version);
        Assert.True(install.ExitCode == 0, install.Output);

        string distnn = Path.Combine(tools, "distnn");
        var help = Run(distnn, null, "--help");
        Assert.True(help.ExitCode == 0, help.Output);
        foreach (var command in new[] { "train", "node", "eval", "predict", "export", "plot", "bench" })
        {
            Assert.Contains(command, help.Output);
        }
        // SkiaSharp's native library travels in the package: a plot is drawn by the installed tool.
        string metrics = Path.Combine(dir, "m.jsonl"), png = Path.Combine(dir, "m.png");
        File.WriteAllText(metrics, "{\"epoch\":1,\"train_loss\":0.5,\"train_accuracy\":0.8,\"test_loss\":0.4,\"test_accuracy\":0.85}\n");
        var plot = Run(distnn, null, "plot", metrics, "--out", png);
        Assert.True(plot.ExitCode == 0, plot.Output);
        Assert.True(new FileInfo(png).Length > 0);
    }
}
