using SkiaSharp;

namespace DistNN.Cli.Tests.Dashboard;

/// <summary>The dashboard in a real browser (headless chromium) while a run trains: the page follows it live.</summary>
[Collection(DashboardRunCollection.Name)]
public class DashboardBrowserSpec(DashboardRun run)
{
    [SkippableFact]
    public async Task In_chromium_the_step_counter_advances_and_the_curves_gain_points_live()
    {
        string? chromium = HeadlessChromium.Find();
        Skip.If(chromium is null, "SKIPPED LOUDLY: no chromium on this machine (scripts/test.sh installs Debian's with apt-get and could not): "
            + "the dashboard was not checked in a browser");
        await using var browser = await HeadlessChromium.OpenAsync(chromium!, run.Url, 1280, 900);

        var (steps, points) = await ShownAsync(browser, s => s.Steps > 0 && s.Points > 0);
        var later = await ShownAsync(browser, s => s.Steps > steps && s.Points > points);

        Assert.True(later.Steps > steps, $"the page's step counter stayed at {steps}");
        Assert.True(later.Points > points, $"the loss curve stayed at {points} points");
        Assert.Equal("training", (await browser.EvaluateAsync("document.getElementById('state').textContent")).GetString());
        Assert.True((await browser.EvaluateAsync("document.querySelectorAll('#members tbody tr').length")).GetInt32() >= 3);
        byte[] png = await browser.ScreenshotAsync();
        string artifact = Artifact("dashboard-chromium.png");
        await File.WriteAllBytesAsync(artifact, png);
        using var picture = SKBitmap.Decode(png);
        Assert.Equal(1280, picture.Width);
        Assert.Equal(900, picture.Height);
    }

    /// <summary>The step counter and the loss chart's point count as the page shows them, once <paramref name="ready"/> holds.</summary>
    private static async Task<(long Steps, int Points)> ShownAsync(HeadlessChromium browser, Func<(long Steps, int Points), bool> ready)
    {
        var limit = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var shown = (await browser.EvaluateAsync(
                "(() => { const s = document.getElementById('steps'), c = document.getElementById('loss-chart'); "
                + "return s && c ? [Number(s.dataset.steps || 0), Number(c.dataset.points)] : [0, 0]; })()"))
                .EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var now = ((long)shown[0], (int)shown[1]);
            if (ready(now) || DateTime.UtcNow > limit)
            {
                return now;
            }
            await Task.Delay(250);
        }
    }

    /// <summary>Where a test keeps a file for people to look at: DISTNN_TEST_ARTIFACTS, else artifacts/test in the repository.</summary>
    private static string Artifact(string name)
    {
        string dir = Environment.GetEnvironmentVariable("DISTNN_TEST_ARTIFACTS") is { Length: > 0 } env
            ? env
            : Path.Combine(Distnn.RepositoryRoot(), "artifacts", "test");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}
