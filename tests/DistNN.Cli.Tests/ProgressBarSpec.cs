using System.Diagnostics;
using System.Text.RegularExpressions;

namespace DistNN.Cli.Tests;

/// <summary>The progress bar as a terminal shows it: `distnn train` in a pseudo-terminal (util-linux `script`), frame by frame.</summary>
public partial class ProgressBarSpec
{
    [SkippableFact]
    public void The_bar_shows_no_percentage_before_the_first_step_no_early_eta_and_reaches_100_percent()
    {
        Skip.IfNot(File.Exists("/usr/bin/script"), "SKIPPED LOUDLY: no /usr/bin/script (util-linux) to run distnn in a terminal: the progress bar was not checked");
        string command = $"stty cols 160; exec dotnet {Path.Combine(AppContext.BaseDirectory, "distnn.dll")} train --data-dir {Distnn.MnistDir()} "
            + "--train-limit 3000 --epochs 2 --threads 1";
        var psi = new ProcessStartInfo("/usr/bin/script", ["-q", "-e", "-c", command, "/dev/null"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        psi.Environment["TERM"] = "xterm-256color";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), "distnn train in a terminal did not end");
        Assert.Equal(0, p.ExitCode);

        var frames = Ansi().Replace(output.Result, "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Where(f => f.Contains('━')).ToList();

        Assert.NotEmpty(frames);
        // A quick run can go from the waiting frame straight to an epoch's end: the first step is the first frame
        // that no longer waits, whether it shows a step's loss or an epoch done.
        int firstStep = frames.FindIndex(f => !f.StartsWith("starting", StringComparison.Ordinal));
        Assert.True(firstStep > 0, "no frame before the first step:\n" + string.Join("\n", frames));
        Assert.All(frames.Take(firstStep), f => Assert.DoesNotMatch(Percent(), f));
        Assert.Contains(frames, f => Regex.IsMatch(f, @"100 ?%"));
        foreach (Match eta in Eta().Matches(string.Join("\n", frames)))
        {
            Assert.True(TimeSpan.Parse(eta.Groups[1].Value) <= TimeSpan.FromMinutes(3), $"an ETA of {eta.Groups[1].Value} for a run of seconds");
        }
    }

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[A-Za-z]|[=>])")]
    private static partial Regex Ansi();

    [GeneratedRegex(@"\d ?%")]
    private static partial Regex Percent();

    [GeneratedRegex(@"ETA (\d+:\d\d:\d\d)")]
    private static partial Regex Eta();
}
