using System.Diagnostics;

namespace DistNN.Cli.Tests;

/// <summary>Runs the built `distnn` command as a user would, capturing exit code and output.</summary>
internal static class Distnn
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    public static Result Run(params string[] args) => RunWith(new Dictionary<string, string>(), args);

    /// <summary>The same, failing when the command has not ended within <paramref name="limit"/> (a hang is a failure, not a wait).</summary>
    public static Result RunWithin(TimeSpan limit, params string[] args) => RunWith(new Dictionary<string, string>(), args, limit);

    /// <summary>The same with extra environment variables (the runtime's DOTNET_* switches, DISTNN_ISA).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunWith(environment, args, TimeSpan.FromMinutes(5));

    private static Result RunWith(IReadOnlyDictionary<string, string> environment, string[] args, TimeSpan limit)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "distnn.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"distnn {string.Join(" ", args)} did not finish in {limit.TotalSeconds:F0} s");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The repository's root folder (the one holding DistNN.sln).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DistNN.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException($"no DistNN.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>The MNIST folder CI fills (scripts/test.sh sets DISTNN_MNIST_DIR); the repository's data/mnist otherwise.</summary>
    public static string MnistDir()
    {
        var env = Environment.GetEnvironmentVariable("DISTNN_MNIST_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }
        return Path.Combine(RepositoryRoot(), "data", "mnist");
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "distnn-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
