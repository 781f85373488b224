using DistNN.Nn.Layers;
using DistNN.Nn.Layers.Conv;
using DistNN.Nn.Models;

namespace DistNN.Nn.Tests.Conv;

public class ConvShapesSpec
{
    [Theory]
    [InlineData(new[] { 28, 28, 1 }, "conv2d", 32, new[] { 3 }, null, "same", new[] { 28, 28, 32 })]
    [InlineData(new[] { 28, 28, 1 }, "conv2d", 8, new[] { 5 }, null, "valid", new[] { 24, 24, 8 })]
    [InlineData(new[] { 5, 7, 2 }, "conv2d", 4, new[] { 3 }, new[] { 2 }, "same", new[] { 3, 4, 4 })]
    [InlineData(new[] { 5, 7, 2 }, "conv2d", 4, new[] { 3, 2 }, new[] { 2, 1 }, null, new[] { 2, 6, 4 })]
    [InlineData(new[] { 5, 7, 2 }, "conv2d", 4, new[] { 3 }, null, "[1,0,2,1]", new[] { 4, 8, 4 })]
    [InlineData(new[] { 6, 6, 1 }, "conv2d", 1, new[] { 4 }, new[] { 3 }, "same", new[] { 2, 2, 1 })]
    [InlineData(new[] { 28, 28, 32 }, "maxpool2d", null, new[] { 2 }, null, null, new[] { 14, 14, 32 })]
    [InlineData(new[] { 7, 7, 64 }, "maxpool2d", null, new[] { 2, 2 }, null, "valid", new[] { 3, 3, 64 })]
    [InlineData(new[] { 7, 7, 64 }, "maxpool2d", null, new[] { 2 }, null, "same", new[] { 4, 4, 64 })]
    [InlineData(new[] { 5, 5, 3 }, "avgpool2d", null, new[] { 3 }, new[] { 2 }, "1", new[] { 3, 3, 3 })]
    [InlineData(new[] { 5, 5, 3 }, "batchnorm", null, null, null, null, new[] { 5, 5, 3 })]
    public void Layer_spec_builds_the_expected_output_shape(int[] input, string type, int? filters, int[]? kernel, int[]? stride, string? padding, int[] expected)
    {
        var layer = ModelBuilder.CreateLayer(new LayerSpec { Type = type, Filters = filters, Kernel = kernel, Stride = stride, Padding = padding }, 0);

        Assert.Equal(expected, layer.Build(input));
    }

    [Theory]
    [InlineData(5, 7, 3, 2, 2, 2, 1, 1, 0, 1)]
    [InlineData(28, 28, 3, 3, 1, 1, 1, 1, 1, 1)]
    [InlineData(6, 6, 4, 4, 1, 1, 1, 2, 1, 2)]
    [InlineData(6, 7, 1, 1, 2, 3, 0, 0, 0, 0)]
    public void Same_padding_follows_tensorflow_and_puts_the_odd_row_after(int h, int w, int kh, int kw, int sh, int sw, int top, int bottom, int left, int right)
    {
        Assert.Equal((top, bottom, left, right), Padding2D.Same.Resolve(h, w, kh, kw, sh, sw));
    }

    [Theory]
    [InlineData("{\"type\":\"conv2d\",\"filters\":4,\"kernel\":[5],\"padding\":\"valid\"}", "kernel 5×5 is larger than the padded input 3×3")]
    [InlineData("{\"type\":\"conv2d\",\"filters\":4,\"kernel\":[3],\"stride\":[0,1]}", "stride [0,1] must be positive")]
    [InlineData("{\"type\":\"conv2d\",\"filters\":4,\"kernel\":[3],\"padding\":\"[-1,0,0,0]\"}", "must not be negative")]
    [InlineData("{\"type\":\"conv2d\",\"filters\":0,\"kernel\":[3]}", "at least one filter")]
    [InlineData("{\"type\":\"maxpool2d\",\"kernel\":[2],\"padding\":\"2\"}", "smaller than the window")]
    [InlineData("{\"type\":\"avgpool2d\",\"kernel\":[4]}", "kernel 4×4 is larger than the padded input 3×3")]
    public void Bad_configuration_fails_at_build_naming_the_layer_and_the_shapes(string layerJson, string expected)
    {
        var spec = ModelSpec.FromJson($"{{\"input\":[3,3,1],\"layers\":[{layerJson}]}}");

        var error = Assert.Throws<ShapeException>(() => ModelBuilder.Build(spec, seed: 1));

        Assert.Contains("layer '0.", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Contains("[3,3,1]", error.Message);
    }

    [Fact]
    public void Conv2D_on_a_flat_input_fails_at_build_asking_for_an_image()
    {
        var spec = ModelSpec.FromJson("{\"input\":[784],\"layers\":[{\"type\":\"conv2d\",\"name\":\"first\",\"filters\":4,\"kernel\":[3]}]}");

        var error = Assert.Throws<ShapeException>(() => ModelBuilder.Build(spec, seed: 1));

        Assert.Contains("'first'", error.Message);
        Assert.Contains("[height, width, channels]", error.Message);
    }

    [Fact]
    public void Conv2D_fed_images_with_other_channels_fails_naming_the_layer()
    {
        var layer = new Conv2D(4, 3, 3) { Name = "c1" };
        layer.Build([8, 8, 3]);

        var error = Assert.Throws<ShapeException>(() => layer.Forward(new Tensor(2, 8, 8, 1), training: true));

        Assert.Contains("'c1'", error.Message);
        Assert.Contains("2×8×8×1", error.Message);
    }

    [Fact]
    public void Conv_spec_without_a_kernel_is_rejected_naming_the_field()
    {
        var error = Assert.Throws<ShapeException>(() => ModelBuilder.CreateLayer(new LayerSpec { Type = "conv2d", Filters = 3 }, 2));

        Assert.Contains("layer 2 (conv2d): \"kernel\" is required", error.Message);
    }
}
