namespace DistNN.Data.Augmentation;

/// <summary>
/// Rotation about the image centre followed by a translation, resampled bilinearly with zeros outside the image.
/// Pixel (x, y) of the output takes the input at c + Rᵀ(p − c − t), where c = ((W−1)/2, (H−1)/2), t = (dx, dy) and
/// R = [[cos θ, sin θ], [−sin θ, cos θ]] turns the picture counter-clockwise as seen on screen (y grows downwards).
/// </summary>
public static class AffineWarp
{
    /// <summary>
    /// Warps one HWC image from <paramref name="source"/> into <paramref name="destination"/> (both height × width × channels,
    /// not overlapping). An angle of 0 and a whole-pixel shift reproduce the input values exactly.
    /// </summary>
    public static void Apply(ReadOnlySpan<float> source, Span<float> destination, int height, int width, int channels,
        double angleDegrees, double dx, double dy)
    {
        int length = height * width * channels;
        if (source.Length < length || destination.Length < length)
        {
            throw new ArgumentException($"an image of {height}×{width}×{channels} needs {length} values");
        }
        if (angleDegrees == 0 && dx == Math.Floor(dx) && dy == Math.Floor(dy))
        {
            Translate(source, destination, height, width, channels, (int)Math.Clamp(dx, -width, width), (int)Math.Clamp(dy, -height, height));
            return;
        }
        double angle = angleDegrees * (Math.PI / 180);
        double cos = angleDegrees == 0 ? 1 : Math.Cos(angle);
        double sin = angleDegrees == 0 ? 0 : Math.Sin(angle);
        double cx = (width - 1) * 0.5;
        double cy = (height - 1) * 0.5;
        int rowStride = width * channels;
        for (int y = 0; y < height; y++)
        {
            double v = y - cy - dy;
            for (int x = 0; x < width; x++)
            {
                double u = x - cx - dx;
                double sx = cos * u - sin * v + cx;
                double sy = sin * u + cos * v + cy;
                int x0 = (int)Math.Floor(sx);
                int y0 = (int)Math.Floor(sy);
                float fx = (float)(sx - x0);
                float fy = (float)(sy - y0);
                // Weights of the four neighbours; a neighbour outside the image contributes zero.
                float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
                bool inX0 = (uint)x0 < (uint)width, inX1 = (uint)(x0 + 1) < (uint)width;
                bool inY0 = (uint)y0 < (uint)height, inY1 = (uint)(y0 + 1) < (uint)height;
                int outBase = y * rowStride + x * channels;
                int b00 = y0 * rowStride + x0 * channels;
                for (int ch = 0; ch < channels; ch++)
                {
                    float value = 0;
                    if (inY0 && inX0 && w00 != 0)
                    {
                        value += w00 * source[b00 + ch];
                    }
                    if (inY0 && inX1 && w01 != 0)
                    {
                        value += w01 * source[b00 + channels + ch];
                    }
                    if (inY1 && inX0 && w10 != 0)
                    {
                        value += w10 * source[b00 + rowStride + ch];
                    }
                    if (inY1 && inX1 && w11 != 0)
                    {
                        value += w11 * source[b00 + rowStride + channels + ch];
                    }
                    destination[outBase + ch] = value;
                }
            }
        }
    }

    /// <summary>A whole-pixel shift: row copies with zeros where the image moved away.</summary>
    private static void Translate(ReadOnlySpan<float> source, Span<float> destination, int height, int width, int channels, int dx, int dy)
    {
        int rowStride = width * channels;
        int keep = Math.Max(0, width - Math.Abs(dx)) * channels;
        int from = Math.Max(0, -dx) * channels; // first source column copied
        int to = Math.Max(0, dx) * channels;    // where it lands
        destination[..(height * rowStride)].Clear();
        for (int y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
        {
            source.Slice((y - dy) * rowStride + from, keep).CopyTo(destination.Slice(y * rowStride + to, keep));
        }
    }
}
