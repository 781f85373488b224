using DistNN.Nn.Layers;
using DistNN.Nn.Models;

namespace DistNN.Nn.Tests;

public class ModelSpecSpec
{
    private static ModelSpec Parse(string layersJson, string input = "[4]", string loss = "softmax_cross_entropy") =>
        ModelSpec.FromJson($$"""{"input": {{input}}, "loss": "{{loss}}", "layers": {{layersJson}}}""");

    [Fact]
    public void Spec_json_round_trips()
    {
        var spec = ModelPresets.Get("mlp") with { Layers = [.. ModelPresets.Mlp().Layers, new LayerSpec { Type = "dropout", Rate = 0.2 }] };

        var again = ModelSpec.FromJson(spec.ToJson());

        Assert.Equal(spec.ToJson(), again.ToJson());
        Assert.Equal(spec.Input, again.Input);
        Assert.Equal(0.2, again.Layers[^1].Rate);
    }

    [Fact]
    public void Every_classic_layer_type_builds_from_json()
    {
        var spec = Parse("""
            [
              {"type": "flatten"},
              {"type": "dense", "units": 8, "activation": "tanh", "init": "xavier_normal"},
              {"type": "dropout", "rate": 0.1},
              {"type": "dense", "units": 3, "init": "he_uniform"},
              {"type": "activation", "activation": "softmax"}
            ]
            """, input: "[2, 2]", loss: "mse");

        var model = ModelBuilder.Build(spec, seed: 1);

        Assert.Equal([3], model.OutputShape);
        Assert.Equal(4 * 8 + 8 + 8 * 3 + 3, model.ParameterCount);
    }

    [Fact]
    public void Mlp_preset_is_784_256_128_10_over_mnist_images()
    {
        var model = ModelBuilder.Build(ModelPresets.Get("mlp"), seed: 1);

        Assert.Equal([28, 28, 1], model.InputShape);
        Assert.Equal([10], model.OutputShape);
        Assert.Equal(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, model.ParameterCount);
    }

    [Fact]
    public void Unknown_preset_lists_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelPresets.Get("resnet"));

        Assert.Contains("resnet", e.Message);
        Assert.Contains("mlp", e.Message);
    }

    [Fact]
    public void Dense_on_an_image_without_flatten_fails_naming_layer_and_shape()
    {
        var spec = Parse("""[{"type": "dense", "units": 8, "name": "hidden"}]""", input: "[28, 28, 1]");

        var e = Assert.Throws<ShapeException>(() => ModelBuilder.Build(spec, 1));

        Assert.Contains("'hidden'", e.Message);
        Assert.Contains("[28,28,1]", e.Message);
        Assert.Contains("flatten", e.Message);
    }

    [Theory]
    [InlineData("""[{"type": "convolution"}]""", "convolution")]
    [InlineData("""[{"type": "dense", "units": 4, "activation": "relu6"}]""", "relu6")]
    [InlineData("""[{"type": "dense", "units": 4, "init": "glorot"}]""", "glorot")]
    [InlineData("""[{"type": "dense"}]""", "\"units\" is required")]
    [InlineData("""[{"type": "dropout", "rate": 1.5}]""", "dropout rate")]
    [InlineData("""[{"type": "activation"}]""", "\"activation\" is required")]
    public void Bad_layer_specs_fail_naming_the_layer(string layers, string expected)
    {
        var spec = Parse(layers);

        var e = Assert.Throws<ShapeException>(() => ModelBuilder.Build(spec, 1));

        Assert.Contains("layer 0", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("""[{"type": "dense", "units": 3, "activation": "softmax"}]""")]
    [InlineData("""[{"type": "dense", "units": 3}, {"type": "activation", "activation": "softmax"}]""")]
    public void A_final_softmax_before_softmax_cross_entropy_is_refused(string layers)
    {
        var e = Assert.Throws<ShapeException>(() => ModelBuilder.Build(Parse(layers), 1));

        Assert.Contains("takes logits", e.Message);
    }

    [Fact]
    public void A_non_positive_input_size_fails_at_build()
    {
        var e = Assert.Throws<ShapeException>(() => ModelBuilder.Build(Parse("""[{"type": "dense", "units": 2}]""", input: "[0, 3]"), 1));

        Assert.Contains("[0,3]", e.Message);
    }

    [Fact]
    public void Unknown_loss_fails_at_build()
    {
        var spec = Parse("""[{"type": "dense", "units": 2}]""", loss: "hinge");

        var e = Assert.Throws<ShapeException>(() => ModelBuilder.Build(spec, 1));

        Assert.Contains("hinge", e.Message);
        Assert.Contains("binary_cross_entropy", e.Message);
    }

    [Fact]
    public void Unknown_field_is_named_in_the_error()
    {
        var e = Assert.Throws<FormatException>(() => Parse("""[{"type": "dense", "unitz": 4}]"""));

        Assert.Contains("unitz", e.Message);
    }
}
