using DistNN.Nn.Layers;
using DistNN.Nn.Losses;
using DistNN.Nn.Models;

namespace DistNN.Nn.Tests.Conv;

public class CnnPresetSpec
{
    /// <summary>The preset's layers with a local reshape for flatten and default initializers (both are merged from elsewhere).</summary>
    private static Sequential BuildWithoutFlattenAndInitializers(ModelSpec spec)
    {
        var layers = spec.Layers.Select((l, i) => l.Type == "flatten"
            ? new ReshapeForTests { Name = $"{i}.flatten" }
            : ModelBuilder.CreateLayer(l with { Init = null }, i));
        var model = new Sequential(spec.Input, layers);
        model.Initialize(new Random(1));
        return model;
    }

    [Fact]
    public void Cnn_preset_has_the_reference_networks_421642_parameters()
    {
        var model = BuildWithoutFlattenAndInitializers(CnnPreset.Cnn);

        Assert.Equal(421_642, model.ParameterCount);
        Assert.Equal([10], model.OutputShape);
        Assert.Equal([28, 28, 1], model.InputShape);
    }

    [Fact]
    public void Cnn_preset_survives_a_json_round_trip()
    {
        var spec = ModelSpec.FromJson(CnnPreset.Cnn.ToJson());

        Assert.Equal(["conv2d", "maxpool2d", "conv2d", "maxpool2d", "flatten", "dense", "dense"], spec.Layers.Select(l => l.Type));
        Assert.Equal(421_642, BuildWithoutFlattenAndInitializers(spec).ParameterCount);
    }

    [Fact]
    public void Cnn_training_step_gives_finite_gradients_for_every_parameter()
    {
        var model = BuildWithoutFlattenAndInitializers(CnnPreset.Cnn);
        var rng = new Random(2);
        var x = new Tensor(4, 28, 28, 1);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextDouble();
        }
        var targets = new Tensor(4, 10);
        for (int n = 0; n < 4; n++)
        {
            targets[n * 10 + n] = 1f;
        }
        Tensor? lossGradient = null;

        float loss = model.ComputeGradients(x, targets, new SoftmaxCrossEntropy(), ref lossGradient);

        Assert.True(float.IsFinite(loss) && loss > 0);
        Assert.All(model.Parameters, p => Assert.True(p.Grad!.Span.ToArray().All(float.IsFinite), p.Name));
        Assert.Contains(model.Parameters, p => p.Name.EndsWith(".weight") && p.Grad!.Span.ToArray().Any(v => v != 0f));
    }
}
