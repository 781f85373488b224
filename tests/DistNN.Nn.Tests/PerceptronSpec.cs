using DistNN.Nn.Models;

namespace DistNN.Nn.Tests;

public class PerceptronSpec
{
    private static readonly float[][] s_inputs = [[0f, 0f], [0f, 1f], [1f, 0f], [1f, 1f]];

    [Theory]
    [InlineData("and", new[] { 0, 0, 0, 1 })]
    [InlineData("or", new[] { 0, 1, 1, 1 })]
    [InlineData("nand", new[] { 1, 1, 1, 0 })]
    public void Perceptron_learns_a_linearly_separable_gate_exactly(string gate, int[] labels)
    {
        var perceptron = new Perceptron(2);

        perceptron.Train(s_inputs, labels, learningRate: 0.5f);

        Assert.True(perceptron.Converged, gate);
        Assert.Equal(labels, s_inputs.Select(x => perceptron.Predict(x)).ToArray());
    }

    [Fact]
    public void Perceptron_does_not_converge_on_xor()
    {
        var perceptron = new Perceptron(2);

        int epochs = perceptron.Train(s_inputs, [0, 1, 1, 0], maxEpochs: 200);

        Assert.False(perceptron.Converged);
        Assert.Equal(200, epochs);
    }

    [Fact]
    public void Perceptron_rule_moves_the_weights_by_the_error_times_the_input()
    {
        var perceptron = new Perceptron(2);

        // ŷ = step(0) = 0, y = 1: w ← w + 0.5·(1 − 0)·x, b ← b + 0.5.
        perceptron.Train([[2f, -1f]], [1], learningRate: 0.5f, maxEpochs: 1);

        Assert.Equal([1f, -0.5f], perceptron.Weights.ToArray());
        Assert.Equal(0.5f, perceptron.Bias);
    }
}
