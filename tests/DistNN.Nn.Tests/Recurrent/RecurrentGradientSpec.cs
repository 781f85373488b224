using DistNN.Nn.Layers.Recurrent;

namespace DistNN.Nn.Tests.Recurrent;

public class RecurrentGradientSpec
{
    private const int Batch = 2;
    private const int Features = 3;
    private const int Hidden = 4;

    internal static RecurrentLayer Create(string cell, int hidden, bool sequences, int bptt) => cell switch
    {
        "rnn" => new SimpleRnn(hidden, sequences, bptt) { Name = cell },
        "lstm" => new Lstm(hidden, sequences, bptt) { Name = cell },
        _ => new Gru(hidden, sequences, bptt) { Name = cell },
    };

    internal static (RecurrentLayer Layer, Tensor X, RecurrentOracle Oracle) Setup(string cell, int time, bool sequences, int bptt, int seed = 3, int hidden = Hidden)
    {
        var rng = new Random(seed);
        var layer = Create(cell, hidden, sequences, bptt);
        layer.Build([time, Features]);
        layer.Initialize(rng);
        foreach (var p in layer.Parameters)
        {
            // Random biases too, and a recurrent matrix scaled up a little so that the recurrence matters.
            var r = GradientCheck.Random(rng, p.Value.Shape.ToArray());
            for (int i = 0; i < r.Length; i++)
            {
                p.Value[i] = p == layer.RecurrentWeights ? 1.5f * p.Value[i] : (p == layer.Weights ? p.Value[i] : 0.5f * r[i]);
            }
        }
        var x = GradientCheck.Random(rng, Batch, time, Features);
        var oracle = new RecurrentOracle { Cell = cell, Batch = Batch, Time = time, Features = Features, Hidden = hidden, Sequences = sequences, Truncation = bptt };
        return (layer, x, oracle);
    }

    public static TheoryData<string, int, bool> Cases()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var cell in new[] { "rnn", "lstm", "gru" })
        {
            foreach (int t in new[] { 1, 2, 7 })
            {
                data.Add(cell, t, false);
                data.Add(cell, t, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Full_backpropagation_through_time_matches_finite_differences(string cell, int time, bool sequences)
    {
        var (layer, x, oracle) = Setup(cell, time, sequences, 0);
        GradientCheck.Layer(layer, x, oracle.Run);
    }

    [Theory]
    [InlineData("rnn", true)]
    [InlineData("rnn", false)]
    [InlineData("lstm", true)]
    [InlineData("lstm", false)]
    [InlineData("gru", true)]
    [InlineData("gru", false)]
    public void Truncated_bptt_matches_finite_differences_with_the_state_detached_at_chunk_starts(string cell, bool sequences)
    {
        foreach (int k in new[] { 1, 3 })
        {
            var (layer, x, oracle) = Setup(cell, 7, sequences, k);
            oracle.Detach(GradientCheck.ToDouble(x.Span), layer.Parameters.Select(p => GradientCheck.ToDouble(p.Value.Span)).ToArray());
            GradientCheck.Layer(layer, x, oracle.Run);
        }
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Truncation_at_least_the_sequence_length_equals_full_backpropagation(string cell)
    {
        var grads = new List<float[]>();
        foreach (int k in new[] { 0, 7, 20 })
        {
            var (layer, x, _) = Setup(cell, 7, true, k);
            var y = layer.Forward(x, true);
            var g = GradientCheck.Random(new Random(9), y.Shape.ToArray());
            var dx = layer.Backward(g)!;
            grads.Add([.. dx.Span.ToArray(), .. layer.Parameters.SelectMany(p => p.Grad!.Span.ToArray())]);
        }
        Assert.Equal(grads[0], grads[1]);
        Assert.Equal(grads[0], grads[2]);
    }

    [Theory]
    [InlineData("rnn", false)]
    [InlineData("lstm", false)]
    [InlineData("gru", true)]
    [InlineData("lstm", true)]
    public void A_given_initial_state_is_used_and_receives_its_gradient(string cell, bool sequences)
    {
        var (layer, x, oracle) = Setup(cell, 3, sequences, 0);
        var rng = new Random(5);
        var h0 = GradientCheck.Random(rng, Batch, Hidden);
        var c0 = GradientCheck.Random(rng, Batch, Hidden);
        layer.InitialState = h0;
        oracle.H0 = GradientCheck.ToDouble(h0.Span);
        if (layer is Lstm lstm)
        {
            lstm.InitialCellState = c0;
            oracle.C0 = GradientCheck.ToDouble(c0.Span);
        }
        GradientCheck.Layer(layer, x, oracle.Run);

        // dLoss/dh₀ (and dc₀) against finite differences of f = Σ g ⊙ y.
        var xd = GradientCheck.ToDouble(x.Span);
        var pd = layer.Parameters.Select(p => GradientCheck.ToDouble(p.Value.Span)).ToArray();
        var y = layer.Forward(x, true);
        var g = GradientCheck.Random(new Random(11), y.Shape.ToArray());
        var gd = GradientCheck.ToDouble(g.Span);
        layer.Backward(g);
        double F() => oracle.Run(xd, pd).Select((v, i) => v * gd[i]).Sum();
        var numericH = GradientCheck.Numeric(oracle.H0, v => { oracle.H0 = v; return F(); });
        GradientCheck.AssertClose(numericH, GradientCheck.ToDouble(layer.InitialStateGradient!.Span), 2e-3, "dLoss/dh0");
        if (layer is Lstm l)
        {
            oracle.H0 = GradientCheck.ToDouble(h0.Span);
            var numericC = GradientCheck.Numeric(oracle.C0!, v => { oracle.C0 = v; return F(); });
            GradientCheck.AssertClose(numericC, GradientCheck.ToDouble(l.InitialCellStateGradient!.Span), 2e-3, "dLoss/dc0");
        }
    }

    [Fact]
    public void Stacked_layers_pass_sequences_and_gradients_through()
    {
        // rnn (sequences) → gru (last state): the gradient check of the second layer's input gradient covers the hand-over.
        var (layer, x, oracle) = Setup("gru", 5, false, 0);
        var first = new SimpleRnn(Features, returnSequences: true) { Name = "first" };
        first.Build([5, 2]);
        first.Initialize(new Random(1));
        var seq = first.Forward(GradientCheck.Random(new Random(2), Batch, 5, 2), true);
        Assert.Equal([Batch, 5, Features], seq.Shape.ToArray());
        GradientCheck.Layer(layer, seq.Clone(), oracle.Run);
        var back = first.Backward(layer.Backward(GradientCheck.Random(new Random(4), Batch, Hidden))!);
        Assert.Equal([Batch, 5, 2], back!.Shape.ToArray());
    }
}
