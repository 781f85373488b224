namespace DistNN.Cli.Tests;

/// <summary>What a new user meets on a first run: typos, no arguments, the banner, where --save wrote.</summary>
public class FirstRunSpec
{
    [Theory]
    [InlineData("train --epoch 1", "Unknown option 'epoch'", "Did you mean --epochs?")]
    [InlineData("train --batchsize 32", "Unknown option 'batchsize'", "Did you mean --batch-size?")]
    [InlineData("predict --model-fil m.safetensors", "Unknown option 'model-fil'", "Did you mean --model-file?")]
    [InlineData("trian --epochs 1", "Unknown command 'trian'", "Did you mean 'train'?")]
    public void A_mistyped_option_or_command_suggests_the_known_one(string line, string error, string suggestion)
    {
        var r = Distnn.Run(line.Split(' '));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(error, r.Stderr);
        Assert.Contains(suggestion, r.Stderr);
    }

    [Fact]
    public void An_option_unlike_any_known_one_gets_no_suggestion()
    {
        var r = Distnn.Run("train", "--learning-speed", "3");

        Assert.Equal(2, r.ExitCode);
        Assert.DoesNotContain("Did you mean", r.Stderr);
    }

    [Fact]
    public void Distnn_without_arguments_prints_usage_and_exits_non_zero()
    {
        var r = Distnn.Run();

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("USAGE:", r.Stdout);
        Assert.Contains("train", r.Stdout);
    }

    [Fact]
    public void The_banner_says_1_epoch_and_save_says_where_it_wrote()
    {
        string model = Path.Combine(Distnn.TempDir(), "m.safetensors");

        var r = Distnn.Run("train", "--model", "mlp", "--data-dir", Distnn.MnistDir(), "--train-limit", "500", "--epochs", "1", "--threads", "1",
            "--save", model, "--no-progress");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains(", 1 epoch, ", r.Stdout);
        Assert.DoesNotContain("1 epochs", r.Stdout);
        Assert.Contains($"saved: weights {model}, spec {model}.spec.json", r.Stdout);
        Assert.True(File.Exists(model));
    }
}
