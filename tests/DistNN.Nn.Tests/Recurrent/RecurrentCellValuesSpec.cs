using DistNN.Nn.Layers.Recurrent;

namespace DistNN.Nn.Tests.Recurrent;

/// <summary>One step of each gated cell with one input and one unit, against values worked out by hand.</summary>
public class RecurrentCellValuesSpec
{
    [Fact]
    public void Lstm_one_step_matches_hand_computed_values()
    {
        var lstm = new Lstm(1) { Name = "lstm" };
        lstm.Build([1, 1]);
        // Gates [i, f, g, o]; x = 1, h0 = 0.5, c0 = −0.3.
        new float[] { 0.5f, -0.5f, 1.0f, 0.25f }.CopyTo(lstm.Weights.Value.Span);
        new float[] { 0.1f, 0.2f, 0.3f, 0.4f }.CopyTo(lstm.RecurrentWeights.Value.Span);
        new float[] { 0.0f, 1.0f, -0.5f, 0.1f }.CopyTo(lstm.Bias.Value.Span);
        lstm.InitialState = new Tensor([0.5f], 1);
        lstm.InitialCellState = new Tensor([-0.3f], 1);

        var h = lstm.Forward(new Tensor([1f], 1, 1, 1), false);

        // a = (0.55, 0.6, 0.65, 0.55); c = σ(0.6)·(−0.3) + σ(0.55)·tanh(0.65) = 0.168819380; h = σ(0.55)·tanh(c).
        Assert.Equal(0.106048823, h[0], 6);
    }

    [Fact]
    public void Gru_one_step_applies_the_reset_gate_to_the_recurrent_term_with_its_bias()
    {
        var gru = new Gru(1) { Name = "gru" };
        gru.Build([1, 1]);
        // Gates [r, z, n]; x = 1, h0 = 0.5, b_hn = 0.4.
        new float[] { 0.5f, -0.5f, 1.0f }.CopyTo(gru.Weights.Value.Span);
        new float[] { 0.1f, 0.2f, 0.3f }.CopyTo(gru.RecurrentWeights.Value.Span);
        new float[] { 0.0f, 0.2f, -0.5f }.CopyTo(gru.Bias.Value.Span);
        gru.RecurrentBias.Value[0] = 0.4f;
        gru.InitialState = new Tensor([0.5f], 1);

        var h = gru.Forward(new Tensor([1f], 1, 1, 1), false);

        // r = σ(0.55) = 0.634135591; z = σ(−0.2) = 0.450166003; n = tanh(0.5 + r·(0.15 + 0.4)) = 0.690428737;
        // h = (1 − z)·n + z·0.5 = 0.604704194.
        Assert.Equal(0.604704194, h[0], 6);
    }

    [Fact]
    public void Simple_rnn_one_step_is_tanh_of_the_affine_map()
    {
        var rnn = new SimpleRnn(1) { Name = "rnn" };
        rnn.Build([1, 1]);
        rnn.Weights.Value[0] = 0.5f;
        rnn.RecurrentWeights.Value[0] = -0.25f;
        rnn.Bias.Value[0] = 0.1f;
        rnn.InitialState = new Tensor([0.4f], 1);

        var h = rnn.Forward(new Tensor([2f], 1, 1, 1), false);

        // tanh(2·0.5 − 0.25·0.4 + 0.1) = tanh(1.0)
        Assert.Equal(Math.Tanh(1.0), h[0], 6);
    }
}
