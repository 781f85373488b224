using System.Text;

namespace DistNN.Cli.Commands.Predict;

/// <summary>A grayscale image in [0, 1] drawn with characters, two per pixel so it keeps its proportions.</summary>
internal static class TerminalImage
{
    private const string Ramp = " .:-=+*#%@";

    /// <summary>Single-channel images up to 28×28 (MNIST's) fit a terminal.</summary>
    public static bool CanRender(int[] shape) =>
        shape.Length == 3 && shape[2] == 1 && shape[0] <= 28 && shape[1] <= 28;

    public static string Render(ReadOnlySpan<float> pixels, int height, int width)
    {
        var text = new StringBuilder((2 * width + 3) * (height + 2));
        string border = "+" + new string('-', 2 * width) + "+";
        text.AppendLine(border);
        for (int y = 0; y < height; y++)
        {
            text.Append('|');
            for (int x = 0; x < width; x++)
            {
                float v = Math.Clamp(pixels[y * width + x], 0f, 1f);
                char c = Ramp[(int)MathF.Round(v * (Ramp.Length - 1))];
                text.Append(c).Append(c);
            }
            text.AppendLine("|");
        }
        text.AppendLine(border);
        return text.ToString();
    }
}
