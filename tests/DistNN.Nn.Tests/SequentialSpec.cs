using DistNN.Nn.Layers;
using DistNN.Nn.Models;

namespace DistNN.Nn.Tests;

public class SequentialSpec
{
    [Fact]
    public void Layers_before_the_first_trainable_one_skip_the_input_gradient()
    {
        var model = ModelBuilder.Build(ModelPresets.Get("mlp"), 1);

        Assert.IsType<Flatten>(model.Layers[0]);
        Assert.False(model.Layers[0].NeedsInputGradient);
        Assert.False(model.Layers[1].NeedsInputGradient);
        Assert.True(model.Layers[2].NeedsInputGradient);
    }

    [Fact]
    public void The_first_dense_layer_behind_a_flatten_still_gets_its_weight_gradient()
    {
        var model = ModelBuilder.Build(ModelPresets.Get("mlp"), 1);
        var rng = new Random(3);
        var x = GradientCheck.Random(rng, 4, 28, 28, 1);
        var y = new Tensor(4, 10);
        for (int i = 0; i < 4; i++)
        {
            y[i * 10 + i] = 1;
        }
        Tensor? g = null;

        model.ComputeGradients(x, y, ModelBuilder.CreateLoss("softmax_cross_entropy"), ref g);

        Assert.Contains(model.Parameters[0].Grad!.Span.ToArray(), v => v != 0);
    }
}
