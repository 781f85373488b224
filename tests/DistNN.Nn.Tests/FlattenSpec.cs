using DistNN.Nn.Layers;

namespace DistNN.Nn.Tests;

public class FlattenSpec
{
    [Fact]
    public void Flatten_gradients_match_finite_differences()
    {
        var layer = new Flatten { Name = "flat" };
        Assert.Equal([24], layer.Build([2, 3, 4]));
        var x = GradientCheck.Random(new Random(1), 5, 2, 3, 4);

        GradientCheck.Layer(layer, x, (xi, _) => xi);
    }

    [Fact]
    public void Flatten_is_a_view_over_the_same_array()
    {
        var layer = new Flatten();
        layer.Build([4, 4, 1]);
        var x = GradientCheck.Random(new Random(1), 3, 4, 4, 1);

        var y = layer.Forward(x, training: true);
        var dx = layer.Backward(y)!;

        Assert.Same(x.Data, y.Data);
        Assert.Equal([3, 16], y.Shape.ToArray());
        Assert.Equal([3, 4, 4, 1], dx.Shape.ToArray());
        Assert.Same(layer.Forward(x, training: true), y);
    }
}
