using SkiaSharp;

namespace DistNN.Cli.Commands.Predict;

/// <summary>
/// An image file turned into a model's input [height, width, channels]: resized, gray (1 channel) or RGB (3),
/// transparent pixels composited over white, scaled from 0..255 to [0, 1] like the IDX loader. When the border is
/// mostly light the image is inverted, since MNIST-style training data is light on a dark background.
/// </summary>
internal sealed record PngInput(float[] Values, int Width, int Height, bool Inverted)
{
    public static PngInput Load(string path, int[] inputShape)
    {
        if (inputShape.Length != 3 || inputShape[2] is not (1 or 3))
        {
            throw new OptionException($"--image: the model's input [{string.Join(",", inputShape)}] is not an image of 1 or 3 channels");
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--image: '{path}' does not exist", path);
        }
        int height = inputShape[0], width = inputShape[1], channels = inputShape[2];
        using var decoded = SKBitmap.Decode(path)
            ?? throw new OptionException($"--image: '{path}' is not an image SkiaSharp can decode (PNG, JPEG, …)");
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = decoded.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
            ?? throw new OptionException($"--image: '{path}' could not be resized to {width}×{height}");
        var rgba = resized.GetPixelSpan();

        var values = new float[height * width * channels];
        for (int p = 0; p < height * width; p++)
        {
            float alpha = rgba[4 * p + 3] / 255f;
            for (int c = 0; c < 3; c++)
            {
                float over = (rgba[4 * p + c] / 255f * alpha) + (1f - alpha);
                if (channels == 3)
                {
                    values[3 * p + c] = over;
                }
                else
                {
                    values[p] += over * (c == 0 ? 0.299f : c == 1 ? 0.587f : 0.114f);
                }
            }
        }
        bool invert = BorderMean(values, height, width, channels) > 0.5f;
        if (invert)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = 1f - values[i];
            }
        }
        return new PngInput(values, decoded.Width, decoded.Height, invert);
    }

    private static float BorderMean(float[] values, int height, int width, int channels)
    {
        double sum = 0;
        int count = 0;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (y == 0 || x == 0 || y == height - 1 || x == width - 1)
                {
                    for (int c = 0; c < channels; c++)
                    {
                        sum += values[((y * width) + x) * channels + c];
                        count++;
                    }
                }
            }
        }
        return (float)(sum / count);
    }
}
