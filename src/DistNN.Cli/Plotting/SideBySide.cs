using ScottPlot;
using SkiaSharp;

namespace DistNN.Cli.Plotting;

/// <summary>Two plots side by side in one PNG (each rendered on a surface of its own: a plot's render fills the whole canvas it is given).</summary>
internal static class SideBySide
{
    public static void Save(string path, Plot left, Plot right, int width, int height)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        using var surface = SKSurface.Create(new SKImageInfo(width, height))
            ?? throw new InvalidOperationException($"could not create a {width}×{height} drawing surface");
        surface.Canvas.Clear(SKColors.White);
        int half = width / 2;
        DrawAt(surface.Canvas, left, 0, half, height);
        DrawAt(surface.Canvas, right, half, width - half, height);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(full);
        png.SaveTo(file);
    }

    private static void DrawAt(SKCanvas canvas, Plot plot, int left, int width, int height)
    {
        using var part = SKSurface.Create(new SKImageInfo(width, height))
            ?? throw new InvalidOperationException($"could not create a {width}×{height} drawing surface");
        plot.Render(part);
        using var image = part.Snapshot();
        canvas.DrawImage(image, left, 0);
    }
}
