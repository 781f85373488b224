using DistNN.Nn.Models;

namespace DistNN.Cli.Tests;

/// <summary>Everything the plan and the data can refuse is refused before any actor starts, with exit code 2.</summary>
public class UpFrontChecksSpec
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    private static string SpecFile(ModelSpec spec)
    {
        var path = Path.Combine(Distnn.TempDir(), "spec.json");
        File.WriteAllText(path, spec.ToJson());
        return path;
    }

    public static TheoryData<string, string> BadSpecs() => new()
    {
        { "actors", "input" },
        { "local", "input" },
        { "actors", "classes" },
        { "local", "classes" },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void A_spec_that_does_not_fit_the_data_exits_2_naming_the_shape_on_both_engines(string engine, string fault)
    {
        var mlp = ModelPresets.Mlp();
        var spec = fault == "input"
            ? mlp with { Input = [32, 32, 1] }
            : mlp with { Layers = [.. mlp.Layers[..^1], mlp.Layers[^1] with { Units = 7 }] };

        var r = Distnn.RunWithin(s_limit, "train", "--model", SpecFile(spec), "--engine", engine, "--data-dir", Distnn.MnistDir(), "--epochs", "1",
            "--no-progress");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(fault == "input" ? "input [32,32,1]" : "gives 7 outputs per sample, but the data set has 10 classes", r.Stderr);
    }

    [Theory]
    [InlineData("--servers", "100000")]
    [InlineData("--workers", "100000")]
    [InlineData("--batch-size", "100000000")]
    [InlineData("--train-limit", "-5")]
    [InlineData("--lr", "-1")]
    [InlineData("--momentum", "1.5")]
    public void An_absurd_value_exits_2_naming_the_option_on_train_and_on_a_coordinator_node(string option, string value)
    {
        string[] common = ["--data-dir", Distnn.MnistDir(), "--epochs", "1", "--no-progress", option, value];

        var train = Distnn.RunWithin(s_limit, ["train", .. common]);
        var node = Distnn.RunWithin(s_limit, ["node", "--role", "coordinator", "--port", "0", .. common]);

        Assert.Equal((2, 2), (train.ExitCode, node.ExitCode));
        Assert.Contains(option, train.Stderr);
        Assert.Contains(option, node.Stderr);
    }
}
