using DistNN.Nn.Optimizers;

namespace DistNN.Nn.Tests;

/// <summary>
/// Three steps of each rule from w = [1, −2] with gradients [0.5, −0.25], [−0.1, 0.3], [0.2, 0.1], against values
/// worked out from the update formulas. The pair is tiled over 37 weights so the vector loop and its scalar tail both run.
/// </summary>
public class OptimizerSpec
{
    private const int Length = 37;

    private static readonly float[][] s_gradients = [[0.5f, -0.25f], [-0.1f, 0.3f], [0.2f, 0.1f]];

    private static void AssertSteps(Optimizer optimizer, double[][] expected, bool regularize = true)
    {
        var w = Tile(1f, -2f);
        var state = new float[optimizer.StateSlots * Length];
        for (int step = 1; step <= expected.Length; step++)
        {
            var g = Tile(s_gradients[step - 1][0], s_gradients[step - 1][1]);
            optimizer.Update(w, g, state, step, regularize);
            for (int i = 0; i < Length; i++)
            {
                Assert.True(Math.Abs(w[i] - expected[step - 1][i % 2]) < 2e-6,
                    $"{optimizer.Name} step {step} weight {i}: expected {expected[step - 1][i % 2]}, got {w[i]}");
            }
        }
    }

    private static float[] Tile(float even, float odd) => Enumerable.Range(0, Length).Select(i => i % 2 == 0 ? even : odd).ToArray();

    [Fact]
    public void Sgd_steps_against_the_gradient() =>
        AssertSteps(new Sgd { LearningRate = 0.1f }, [[0.95, -1.975], [0.96, -2.005], [0.94, -2.015]]);

    [Fact]
    public void Sgd_with_momentum_accumulates_velocity() =>
        AssertSteps(new Sgd(momentum: 0.9f) { LearningRate = 0.1f }, [[0.95, -1.975], [0.915, -1.9825], [0.8635, -1.99925]]);

    [Fact]
    public void Sgd_with_nesterov_looks_ahead() =>
        AssertSteps(new Sgd(momentum: 0.9f, nesterov: true) { LearningRate = 0.1f }, [[0.905, -1.9525], [0.8835, -1.98925], [0.81715, -2.014325]]);

    [Fact]
    public void L2_adds_lambda_times_weight_to_the_gradient() =>
        AssertSteps(new Sgd { LearningRate = 0.1f, L2 = 0.1f }, [[0.94, -1.955], [0.9406, -1.96545], [0.911194, -1.9557955]]);

    [Fact]
    public void L1_adds_lambda_times_sign_to_the_gradient() =>
        AssertSteps(new Sgd { LearningRate = 0.1f, L1 = 0.1f }, [[0.94, -1.965], [0.94, -1.985], [0.91, -1.985]]);

    [Fact]
    public void Penalties_are_skipped_when_regularize_is_false() =>
        AssertSteps(new Sgd { LearningRate = 0.1f, L1 = 0.3f, L2 = 0.1f }, [[0.95, -1.975], [0.96, -2.005], [0.94, -2.015]], regularize: false);

    [Fact]
    public void Momentum_with_l2_penalises_before_accumulating() =>
        AssertSteps(new Sgd(momentum: 0.9f) { LearningRate = 0.1f, L2 = 0.1f }, [[0.94, -1.955], [0.8866, -1.92495], [0.809674, -1.8886555]]);

    [Fact]
    public void AdaGrad_divides_by_the_root_of_summed_squares() =>
        AssertSteps(new AdaGrad { LearningRate = 0.1f }, [[0.9, -1.9], [0.9196116, -1.9768221], [0.8830968, -2.0016291]]);

    [Fact]
    public void RmsProp_divides_by_the_root_of_a_running_mean_square() =>
        AssertSteps(new RmsProp(rho: 0.9f) { LearningRate = 0.01f }, [[0.9683772, -1.9683772], [0.9749005, -1.9931842], [0.9622892, -2.0015871]]);

    [Fact]
    public void Adam_corrects_the_bias_of_its_moments() =>
        AssertSteps(new Adam { LearningRate = 0.1f }, [[0.9, -1.9], [0.8488974, -1.9142945], [0.7887814, -1.9408558]]);

    [Fact]
    public void Adam_with_l2_uses_the_penalised_gradient_in_both_moments() =>
        AssertSteps(new Adam { LearningRate = 0.1f, L2 = 0.1f }, [[0.9, -1.9], [0.8342442, -1.8525905], [0.7609875, -1.8049756]]);

    [Fact]
    public void Adam_with_l1_uses_the_penalised_gradient_in_both_moments() =>
        AssertSteps(new Adam { LearningRate = 0.1f, L1 = 0.1f }, [[0.9, -1.9], [0.8329942, -1.8787633], [0.7580845, -1.8623472]]);

    [Theory]
    [InlineData("sgd", typeof(Sgd), 0)]
    [InlineData("momentum", typeof(Sgd), 1)]
    [InlineData("nesterov", typeof(Sgd), 1)]
    [InlineData("adagrad", typeof(AdaGrad), 1)]
    [InlineData("rmsprop", typeof(RmsProp), 1)]
    [InlineData("adam", typeof(Adam), 2)]
    public void Factory_creates_optimizers_by_name(string name, Type type, int slots)
    {
        var optimizer = OptimizerFactory.Create(name, 0.05f, new OptimizerOptions { L2 = 1e-4f });

        Assert.IsType(type, optimizer);
        Assert.Equal(name, optimizer.Name);
        Assert.Equal(slots, optimizer.StateSlots);
        Assert.Equal(0.05f, optimizer.LearningRate);
        Assert.Equal(1e-4f, optimizer.L2);
    }

    [Fact]
    public void Factory_lists_the_known_names_for_an_unknown_one()
    {
        var e = Assert.Throws<ArgumentException>(() => OptimizerFactory.Create("adamw", 0.1f));

        Assert.Contains("adamw", e.Message);
        Assert.Contains("sgd, momentum, nesterov, adagrad, rmsprop, adam", e.Message);
    }

    [Fact]
    public void An_update_with_too_little_state_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new Adam().Update(new float[4], new float[4], new float[7], 1, true));
    }
}
