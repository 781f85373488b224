using System.Globalization;
using System.Text.RegularExpressions;
using DistNN.Data.Idx;
using DistNN.Nn.Activations;
using DistNN.Nn.Models;
using SkiaSharp;

namespace DistNN.Cli.Tests;

public partial class PredictCommandSpec(TrainedMlp trained) : IClassFixture<TrainedMlp>
{
    [GeneratedRegex(@"^predicted (\d+) \(probability ([0-9.]+)\)$", RegexOptions.Multiline)]
    private static partial Regex PredictedLine();

    [GeneratedRegex(@"^\s+(\d+)\s+([0-9.]+) #*$", RegexOptions.Multiline)]
    private static partial Regex ClassLine();

    private static (int Class, float[] Probabilities) Parse(Distnn.Result r)
    {
        Assert.True(r.ExitCode == 0, r.All);
        var predicted = PredictedLine().Match(r.Stdout);
        Assert.True(predicted.Success, r.Stdout);
        var probabilities = ClassLine().Matches(r.Stdout).Select(m => float.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToArray();
        return (int.Parse(predicted.Groups[1].Value, CultureInfo.InvariantCulture), probabilities);
    }

    [Fact]
    public void Predicting_test_images_names_the_label_where_the_model_is_right_with_probabilities_that_sum_to_one()
    {
        var model = ModelFile.Load(trained.ModelFile).Model;
        var files = IdxDataset.Locate(trained.Mnist);
        var test = IdxDataset.LoadSplit(files.TestImages, files.TestLabels);
        int right = 0;
        for (int index = 0; index < 12; index++)
        {
            var logits = model.Forward(new Tensor(test.Sample(index).ToArray(), 1, 28, 28, 1), training: false).Span.ToArray();
            var expected = new float[10];
            new Softmax().Forward(logits, expected, 10);

            var (predicted, probabilities) = Parse(Distnn.Run("predict", "--model-file", trained.ModelFile, "--data-dir", trained.Mnist, "--index", $"{index}"));

            Assert.Equal(10, probabilities.Length);
            Assert.InRange(probabilities.Sum(), 0.999f, 1.001f);
            for (int c = 0; c < 10; c++)
            {
                Assert.Equal(expected[c], probabilities[c], 0.0001f);
            }
            Assert.Equal(Array.IndexOf(expected, expected.Max()), predicted);
            if (predicted == test.Labels[index])
            {
                right++;
            }
        }
        Assert.True(right >= 10, $"the model classified only {right} of the first 12 test images correctly");
    }

    [Fact]
    public void Prediction_draws_the_28x28_image_in_the_terminal()
    {
        var r = Distnn.Run("predict", "--model-file", trained.ModelFile, "--data-dir", trained.Mnist, "--index", "0");

        Assert.True(r.ExitCode == 0, r.All);
        var rows = r.Stdout.Split('\n').Where(l => l.StartsWith('|')).ToArray();
        Assert.Equal(28, rows.Length);
        Assert.All(rows, row => Assert.Equal(2 + 56, row.TrimEnd('\r').Length));
        Assert.Contains(rows, row => row.Contains('@'));
    }

    [Fact]
    public void A_png_of_any_size_dark_on_light_is_classified_like_the_test_image_it_shows()
    {
        var files = IdxDataset.Locate(trained.Mnist);
        var test = IdxDataset.LoadSplit(files.TestImages, files.TestLabels);
        string png = Path.Combine(trained.Directory, "digit.png");
        WriteScaledInvertedPng(test.Sample(0), png, 84, 70);
        var fromIndex = Parse(Distnn.Run("predict", "--model-file", trained.ModelFile, "--data-dir", trained.Mnist, "--index", "0"));

        var r = Distnn.Run("predict", "--model-file", trained.ModelFile, "--image", png);
        var fromPng = Parse(r);

        Assert.Contains("84×70, light background inverted", r.Stdout);
        Assert.Equal(test.Labels[0], fromIndex.Class);
        Assert.Equal(fromIndex.Class, fromPng.Class);
        Assert.InRange(fromPng.Probabilities.Sum(), 0.999f, 1.001f);
    }

    [Theory]
    [InlineData("--index", "10000", "--index 10000 is outside the test set")]
    [InlineData("--index", "-1", "--index -1 is negative")]
    [InlineData("--image", "missing.png", "missing.png' does not exist")]
    [InlineData("--image", "not-an-image.png", "not-an-image.png' is not an image")]
    public void A_bad_index_or_image_exits_2_naming_it(string option, string value, string expected)
    {
        File.WriteAllText(Path.Combine(trained.Directory, "not-an-image.png"), "hello");
        if (option == "--image")
        {
            value = Path.Combine(trained.Directory, value);
        }

        var r = Distnn.Run("predict", "--model-file", trained.ModelFile, "--data-dir", trained.Mnist, option, value);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr + r.Stdout);
    }

    [Fact]
    public void A_missing_model_file_exits_2_naming_it()
    {
        string missing = Path.Combine(trained.Directory, "nothing.safetensors");

        var r = Distnn.Run("predict", "--model-file", missing, "--data-dir", trained.Mnist, "--index", "0");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(missing, r.Stderr);
    }

    /// <summary>Dark digit on a light background, stretched to width×height: what a user's own drawing looks like.</summary>
    private static void WriteScaledInvertedPng(ReadOnlySpan<float> image, string path, int width, int height)
    {
        using var small = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                byte v = (byte)(255 - (int)MathF.Round(image[y * 28 + x] * 255));
                small.SetPixel(x, y, new SKColor(v, v, v));
            }
        }
        using var large = small.Resize(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear));
        using var data = large.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.OpenWrite(path);
        data.SaveTo(file);
    }
}
