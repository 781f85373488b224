namespace DistNN.Cli.Tests;

public class BadInputSpec
{
    [Fact]
    public void An_unknown_model_is_refused_with_the_known_presets()
    {
        var r = Distnn.Run("train", "--model", "resnet9000");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("unknown model preset 'resnet9000'", r.Stderr);
        Assert.Contains("mlp", r.Stderr);
    }

    [Fact]
    public void An_unknown_option_is_refused()
    {
        var r = Distnn.Run("train", "--model", "mlp", "--learning-speed", "3");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("learning-speed", r.All);
    }

    [Theory]
    [InlineData("--epochs", "0", "--epochs")]
    [InlineData("--batch-size", "-3", "--batch-size")]
    [InlineData("--mode", "eventually", "--mode")]
    [InlineData("--optimizer", "telepathy", "telepathy")]
    [InlineData("--augment", "blur=3", "blur")]
    public void A_bad_option_value_names_the_option(string option, string value, string expected)
    {
        var dir = Distnn.TempDir();
        var r = Distnn.Run("train", "--model", "mlp", "--data-dir", Distnn.MnistDir(), option, value, "--epochs", option == "--epochs" ? value : "1", "--train-limit", "64", "--summary-json", Path.Combine(dir, "s.json"));

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "s.json")));
    }

    [Theory]
    [InlineData("-1", "--standby-servers must be 0 or more (got -1)")]
    [InlineData("1", "--standby-servers needs --checkpoint-dir: a standby is restored from the latest checkpoint")]
    public void Standby_servers_are_refused_below_0_and_without_a_checkpoint_directory(string count, string expected)
    {
        var r = Distnn.Run("train", "--model", "mlp", "--data-dir", Distnn.MnistDir(), "--standby-servers", count);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
    }

    [Fact]
    public void A_missing_data_folder_names_the_missing_files_and_writes_nothing()
    {
        var dir = Distnn.TempDir();
        var summary = Path.Combine(dir, "summary.json");

        var r = Distnn.Run("train", "--model", "mlp", "--data-dir", dir, "--summary-json", summary);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("train-images-idx3-ubyte", r.Stderr);
        Assert.False(File.Exists(summary));
    }

    [Fact]
    public void A_truncated_idx_file_is_named_with_what_is_wrong()
    {
        var dir = Distnn.TempDir();
        foreach (var name in new[] { "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" })
        {
            File.Copy(Path.Combine(Distnn.MnistDir(), name), Path.Combine(dir, name));
        }
        var broken = Path.Combine(dir, "t10k-labels-idx1-ubyte");
        File.WriteAllBytes(broken, File.ReadAllBytes(broken)[..5000]);

        var r = Distnn.Run("train", "--model", "mlp", "--data-dir", dir, "--epochs", "1");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("t10k-labels-idx1-ubyte", r.Stderr);
    }

    [Fact]
    public void A_spec_with_impossible_shapes_names_the_layer()
    {
        var dir = Distnn.TempDir();
        var spec = Path.Combine(dir, "bad.json");
        File.WriteAllText(spec, """
            {"name":"bad","input":[28,28,1],"layers":[
              {"type":"conv2d","filters":4,"kernel":[31,31],"padding":"valid"},
              {"type":"flatten"},{"type":"dense","units":10}]}
            """);

        var r = Distnn.Run("train", "--model", spec, "--data-dir", Distnn.MnistDir());

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("0.conv2d", r.Stderr);
    }

    [Fact]
    public void A_model_file_that_is_not_safetensors_is_refused()
    {
        var dir = Distnn.TempDir();
        var file = Path.Combine(dir, "weights.safetensors");
        File.WriteAllBytes(file, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);

        var r = Distnn.Run("eval", "--model-file", file, "--data-dir", Distnn.MnistDir());

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("weights.safetensors", r.Stderr);
    }

    [Fact]
    public void Eval_refuses_weights_holding_nan_naming_the_tensor()
    {
        var spec = DistNN.Nn.Models.ModelPresets.Mlp();
        var model = DistNN.Nn.Models.ModelBuilder.Build(spec, 1);
        var poisoned = model.Parameters[2];
        poisoned.Value.Span[5] = float.NaN;
        var file = Path.Combine(Distnn.TempDir(), "nan.safetensors");
        DistNN.Nn.Models.ModelFile.Save(file, spec, model);

        var r = Distnn.Run("eval", "--model-file", file, "--data-dir", Distnn.MnistDir());

        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"tensor '{poisoned.Name}' holds NaN", r.Stderr);
        Assert.DoesNotContain("test accuracy", r.Stdout);
    }

    [Fact]
    public void An_error_is_one_line_and_verbose_adds_the_stack_trace()
    {
        var missing = Path.Combine(Distnn.TempDir(), "none.safetensors");

        var plain = Distnn.Run("eval", "--model-file", missing);
        var verbose = Distnn.Run("eval", "--model-file", missing, "--verbose");

        Assert.Equal((2, 2), (plain.ExitCode, verbose.ExitCode));
        Assert.Single(plain.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("distnn: error: ", plain.Stderr);
        Assert.Contains("   at ", verbose.Stderr);
    }

    [Fact]
    public void Adam_at_lr_1e6_on_the_local_engine_fails_as_diverged_naming_the_step_and_exits_1()
    {
        var summary = Path.Combine(Distnn.TempDir(), "s.json");

        var r = Distnn.Run("train", "--engine", "local", "--lr", "1e6", "--data-dir", Distnn.MnistDir(), "--train-limit", "3000", "--epochs", "2",
            "--no-progress", "--summary-json", summary);

        Assert.Equal(1, r.ExitCode);
        Assert.Matches("step [0-9]+: training loss .* the run diverged \\(try a lower --lr\\)", r.Stderr);
        Assert.Contains("\"status\": \"failed\"", File.ReadAllText(summary));
    }
}
