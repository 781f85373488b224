using SkiaSharp;

namespace DistNN.Cli.Tests;

public class PlotSpec
{
    private static (int Width, int Height, bool Drawn) Decode(string path)
    {
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        // Both halves (loss, accuracy) hold something besides the white background: axes, text, curves.
        bool Drawn(int from, int to)
        {
            int ink = 0;
            for (int y = 0; y < bitmap.Height; y++)
            {
                for (int x = from; x < to; x++)
                {
                    ink += bitmap.GetPixel(x, y) == SKColors.White ? 0 : 1;
                }
            }
            return ink > bitmap.Height * (to - from) / 100;
        }
        bool drawn = Drawn(0, bitmap.Width / 2) && Drawn(bitmap.Width / 2, bitmap.Width);
        return (bitmap.Width, bitmap.Height, drawn);
    }

    [Fact]
    public void Train_with_plot_writes_a_png_of_the_default_size_and_plot_overlays_metrics_files_at_the_size_asked()
    {
        var dir = Distnn.TempDir();
        string plot = Path.Combine(dir, "run.png"), first = Path.Combine(dir, "first.jsonl"), second = Path.Combine(dir, "second.jsonl");
        var train = Distnn.Run("train", "--model", "mlp", "--data-dir", Distnn.MnistDir(), "--train-limit", "1000", "--epochs", "2", "--threads", "1",
            "--metrics", first, "--plot", plot, "--no-progress");
        Assert.True(train.ExitCode == 0, train.All);
        Assert.Contains($"plot: wrote {plot}", train.Stdout);
        Assert.Equal((1200, 500, true), Decode(plot));
        File.WriteAllLines(second, File.ReadAllLines(first).Select(l => l.Replace("\"epoch\":", "\"ignored\":0,\"epoch\":", StringComparison.Ordinal)));
        string overlay = Path.Combine(dir, "overlay.png");

        var r = Distnn.Run("plot", first, second, "--out", overlay, "--width", "800", "--height", "360");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("2 runs, 800×360", r.Stdout);
        Assert.Equal((800, 360, true), Decode(overlay));
    }

    [Fact]
    public void A_missing_or_malformed_metrics_file_exits_2_naming_it_and_the_line()
    {
        var dir = Distnn.TempDir();
        string bad = Path.Combine(dir, "bad.jsonl"), missing = Path.Combine(dir, "missing.jsonl");
        File.WriteAllLines(bad, ["{\"epoch\":1,\"train_loss\":0.5,\"train_accuracy\":0.8,\"test_loss\":0.4,\"test_accuracy\":0.85}", "{\"epoch\":2,\"train_loss\":0.3}"]);

        var malformed = Distnn.Run("plot", bad, "--out", Path.Combine(dir, "x.png"));
        var absent = Distnn.Run("plot", missing, "--out", Path.Combine(dir, "y.png"));

        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains($"{bad}:2: a metrics line needs the numbers train_accuracy, test_loss, test_accuracy", malformed.Stderr);
        Assert.Equal(2, absent.ExitCode);
        Assert.Contains(missing, absent.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "x.png")));
    }
}
