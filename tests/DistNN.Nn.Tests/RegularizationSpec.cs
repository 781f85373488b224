using DistNN.Nn.Optimizers;

namespace DistNN.Nn.Tests;

public class RegularizationSpec
{
    private static Parameter WithGradient(params float[] gradient)
    {
        var p = new Parameter("p", new Tensor(gradient.Length));
        gradient.CopyTo(p.Grad!.Span);
        return p;
    }

    [Fact]
    public void Clipping_scales_all_gradients_to_the_global_norm_and_returns_the_old_norm()
    {
        var a = WithGradient(3f, 0f);
        var b = WithGradient(4f);

        float norm = GradientClipping.ClipByGlobalNorm([a, b], maxNorm: 1f);

        Assert.Equal(5f, norm, 1e-5f);
        Assert.Equal(0.6f, a.Grad![0], 1e-5f);
        Assert.Equal(0.8f, b.Grad![0], 1e-5f);
    }

    [Fact]
    public void Clipping_leaves_small_gradients_alone()
    {
        var a = WithGradient(0.3f, 0.4f);

        float norm = GradientClipping.ClipByGlobalNorm([a], maxNorm: 1f);

        Assert.Equal(0.5f, norm, 1e-6f);
        Assert.Equal([0.3f, 0.4f], a.Grad!.Span.ToArray());
    }

    [Fact]
    public void Step_schedule_multiplies_every_k_epochs()
    {
        var schedule = LearningRateSchedule.Create("step:0.5@2");

        var rates = Enumerable.Range(0, 5).Select(e => schedule.LearningRate(0.1f, e, e / 5.0)).ToArray();

        Assert.Equal([0.1f, 0.1f, 0.05f, 0.05f, 0.025f], rates);
    }

    [Fact]
    public void Cosine_schedule_falls_from_one_to_its_floor()
    {
        var cosine = LearningRateSchedule.Create("cosine");
        var floored = LearningRateSchedule.Create("cosine:0.1");

        Assert.Equal(1.0, cosine.Factor(0, 0), 12);
        Assert.Equal(0.5, cosine.Factor(3, 0.5), 12);
        Assert.Equal(0.0, cosine.Factor(9, 1), 12);
        Assert.Equal(0.1, floored.Factor(9, 1), 12);
        Assert.Equal(1.0, LearningRateSchedule.Create("constant").Factor(7, 0.9));
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("step:0.5")]
    [InlineData("step:0.5@0")]
    [InlineData("cosine:2")]
    public void Bad_schedules_are_refused(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => LearningRateSchedule.Create(spec));

        Assert.Contains(spec, e.Message);
    }
}
