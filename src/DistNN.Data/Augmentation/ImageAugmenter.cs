using System.Numerics.Tensors;

namespace DistNN.Data.Augmentation;

/// <summary>
/// Applies <see cref="AugmentationOptions"/> in place to NHWC batches of images, on the fly. Batch k is transformed
/// by a generator seeded from (seed, k): the same seed and the same sequence of batches give the same output on any
/// node. Labels are never touched. Scratch buffers are reused, so a batch allocates nothing once sizes are stable.
/// </summary>
public sealed class ImageAugmenter
{
    private readonly ulong _seed;
    private float[] _image = [];
    private float[] _noise = [];
    private float[] _noiseScratch = [];
    private long _batches;

    public ImageAugmenter(AugmentationOptions options, int seed)
    {
        Options = options;
        _seed = unchecked((ulong)seed * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL);
    }

    public AugmentationOptions Options { get; }

    /// <summary>Augments the next batch of this augmenter's sequence (the k-th call uses stream k).</summary>
    public void Apply(Tensor batch) => Apply(batch, _batches++);

    /// <summary>
    /// Augments <paramref name="batch"/> (N×H×W×C; noise alone accepts any shape) in place with the draws of
    /// <paramref name="stream"/>, e.g. a global batch number, so that whichever worker handles a batch gets the same result.
    /// </summary>
    public void Apply(Tensor batch, long stream)
    {
        if (!Options.IsEnabled || batch.Length == 0)
        {
            return;
        }
        var rng = new SplitMix64(_seed ^ unchecked((ulong)stream * 0x9E3779B97F4A7C15UL));
        // Discard one draw so that nearby (seed, stream) pairs do not start from related states.
        rng.NextUInt64();
        if (Options.IsGeometric)
        {
            Warp(batch, ref rng);
        }
        if (Options.NoiseStd > 0)
        {
            AddNoise(batch.Span, ref rng);
        }
    }

    private void Warp(Tensor batch, ref SplitMix64 rng)
    {
        if (batch.Rank != 4)
        {
            throw new ArgumentException($"rotations and shifts need NHWC image batches of rank 4, not [{batch.ShapeString}]");
        }
        int height = batch.Dim(1), width = batch.Dim(2), channels = batch.Dim(3);
        int imageLength = height * width * channels;
        if (_image.Length < imageLength)
        {
            _image = new float[imageLength];
        }
        var image = _image.AsSpan(0, imageLength);
        var data = batch.Span;
        double shiftBound = Options.ShiftPixels;
        bool wholeShift = shiftBound == Math.Floor(shiftBound);
        for (int n = 0; n < batch.Rows; n++)
        {
            double angle = Options.RotateDegrees > 0 ? rng.NextSymmetric(Options.RotateDegrees) : 0;
            double dx = 0, dy = 0;
            if (shiftBound > 0)
            {
                dx = wholeShift ? rng.NextSymmetricInt((int)shiftBound) : rng.NextSymmetric(shiftBound);
                dy = wholeShift ? rng.NextSymmetricInt((int)shiftBound) : rng.NextSymmetric(shiftBound);
            }
            if (angle == 0 && dx == 0 && dy == 0)
            {
                continue;
            }
            var sample = data.Slice(n * imageLength, imageLength);
            sample.CopyTo(image);
            AffineWarp.Apply(image, sample, height, width, channels, angle, dx, dy);
        }
    }

    private void AddNoise(Span<float> data, ref SplitMix64 rng)
    {
        if (_noise.Length < data.Length)
        {
            _noise = new float[data.Length];
            _noiseScratch = new float[(data.Length + 1) / 2 * 2];
        }
        var noise = _noise.AsSpan(0, data.Length);
        rng.FillStandardNormal(noise, _noiseScratch);
        // x ← clip(x + σ·z, 0, 1)
        TensorPrimitives.MultiplyAdd(noise, (float)Options.NoiseStd, data, data);
        TensorPrimitives.Max(data, 0f, data);
        TensorPrimitives.Min(data, 1f, data);
    }
}
