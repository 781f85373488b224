using DistNN.Data;
using DistNN.Training.Engine;

namespace DistNN.Training.Tests;

public class NonFiniteLossSpec
{
    [Fact]
    public void A_nan_in_the_loss_stops_training_with_the_step_and_the_layer_that_produced_it()
    {
        var data = TestData.Bars(256, 1);
        // An input pixel of +Inf: the first dense layer's output is no longer finite.
        data.Features[3 * 784 + 5] = float.PositiveInfinity;
        var plan = TestData.Plan(epochs: 1, batch: 64);
        var trainer = new LocalTrainer(plan);

        var error = Assert.Throws<NonFiniteException>(() => trainer.Run(data, TestData.Bars(64, 2)));

        Assert.Contains("step", error.Message);
        Assert.Contains("input batch", error.Message);
    }

    [Fact]
    public void A_layer_that_overflows_is_named()
    {
        var data = TestData.Bars(256, 1);
        var plan = TestData.Plan(epochs: 1, batch: 64, lr: 1e30f);
        var trainer = new LocalTrainer(plan);

        var error = Assert.Throws<NonFiniteException>(() => trainer.Run(data, TestData.Bars(64, 2)));

        Assert.Matches(@"step \d+: loss is .*: layer .\d\.dense. produced NaN or Inf", error.Message);
    }
}
