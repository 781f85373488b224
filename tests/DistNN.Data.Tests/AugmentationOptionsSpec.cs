using DistNN.Data.Augmentation;

namespace DistNN.Data.Tests;

public class AugmentationOptionsSpec
{
    [Fact]
    public void Parses_all_three_keys_in_any_order()
    {
        var options = AugmentationOptions.Parse(" shift=2, noise=0.1 ,rotate=10");

        Assert.Equal(new AugmentationOptions(NoiseStd: 0.1, RotateDegrees: 10, ShiftPixels: 2), options);
        Assert.True(options.IsEnabled);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("none")]
    [InlineData("noise=0,rotate=0,shift=0")]
    public void Empty_none_or_zeros_are_off(string? text)
    {
        Assert.False(AugmentationOptions.Parse(text).IsEnabled);
    }

    [Fact]
    public void Canonical_text_parses_back_to_the_same_options()
    {
        var options = new AugmentationOptions(0.25, 7.5, 1.5);

        Assert.Equal("noise=0.25,rotate=7.5,shift=1.5", options.ToString());
        Assert.Equal(options, AugmentationOptions.Parse(options.ToString()));
    }

    [Theory]
    [InlineData("noise=0.1,rotat=3", "unknown key \"rotat\"")]
    [InlineData("noise=abc", "\"abc\" is not a number (for noise)")]
    [InlineData("shift=NaN", "\"NaN\" is not a number (for shift)")]
    [InlineData("shift=-1", "shift=-1 is negative")]
    [InlineData("rotate=200", "more than 180 degrees")]
    [InlineData("shift=5000", "more than 1000 pixels")]
    [InlineData("noise=0.1,noise=0.2", "\"noise\" is given twice")]
    [InlineData("noise", "\"noise\" is not key=value")]
    public void Bad_text_gives_an_error_naming_the_problem_and_the_expected_form(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => AugmentationOptions.Parse(text));

        Assert.Contains(problem, error.Message);
        Assert.Contains(text, error.Message);
        Assert.Contains("noise=0.1,rotate=10,shift=2", error.Message);
    }
}
