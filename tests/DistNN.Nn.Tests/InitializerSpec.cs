using DistNN.Nn.Initializers;

namespace DistNN.Nn.Tests;

public class InitializerSpec
{
    private const int FanIn = 400, FanOut = 600;

    private static float[] Draw(Initializer init, int seed = 1)
    {
        var w = new float[FanIn * FanOut];
        init.Fill(w, FanIn, FanOut, new Random(seed));
        return w;
    }

    private static (double Mean, double Variance) Moments(float[] w)
    {
        double mean = w.Average(v => (double)v);
        double variance = w.Sum(v => (v - mean) * (v - mean)) / w.Length;
        return (mean, variance);
    }

    [Theory]
    [InlineData("xavier_uniform", 2.0 / (FanIn + FanOut))]
    [InlineData("xavier_normal", 2.0 / (FanIn + FanOut))]
    [InlineData("he_uniform", 2.0 / FanIn)]
    [InlineData("he_normal", 2.0 / FanIn)]
    [InlineData("lecun_uniform", 1.0 / FanIn)]
    [InlineData("torch_default", 1.0 / (3.0 * FanIn))]
    [InlineData("uniform:0.3", 0.09 / 3)]
    [InlineData("normal:0.02", 0.0004)]
    public void Initializer_variance_matches_its_formula(string name, double variance)
    {
        var (mean, actual) = Moments(Draw(Initializer.FromName(name)));

        Assert.InRange(mean, -0.01 * Math.Sqrt(variance), 0.01 * Math.Sqrt(variance));
        Assert.InRange(actual / variance, 0.98, 1.02);
    }

    [Fact]
    public void Uniform_initializers_stay_inside_their_limit()
    {
        double limit = Math.Sqrt(6.0 / (FanIn + FanOut));

        Assert.All(Draw(Initializer.XavierUniform), v => Assert.InRange(Math.Abs(v), 0, limit));
    }

    [Fact]
    public void Normal_draws_have_the_normal_share_within_one_sigma()
    {
        var w = Draw(new NormalInitializer(1.0));

        double share = w.Count(v => Math.Abs(v) < 1) / (double)w.Length;

        Assert.InRange(share, 0.6827 - 0.005, 0.6827 + 0.005);
    }

    [Fact]
    public void Zeros_are_exactly_zero()
    {
        var w = Enumerable.Repeat(3f, 100).ToArray();

        Initializer.Zeros.Fill(w, 10, 10, new Random(1));

        Assert.All(w, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Torch_default_draws_the_bias_from_the_weight_range()
    {
        var bias = new float[5000];

        Initializer.TorchDefault.FillBias(bias, 100, 10, new Random(1));

        Assert.All(bias, v => Assert.InRange(Math.Abs(v), 0, 0.1));
        Assert.InRange(bias.Max(), 0.09, 0.1);
    }

    [Theory]
    [InlineData(64, 32)]
    [InlineData(32, 64)]
    [InlineData(48, 48)]
    public void Orthogonal_weights_have_orthonormal_columns_or_rows(int fanIn, int fanOut)
    {
        var w = new float[fanIn * fanOut];
        Initializer.Orthogonal.Fill(w, fanIn, fanOut, new Random(9));

        // Gram matrix over the shorter side: WᵀW (fan_out²) when fan_in ≥ fan_out, else WWᵀ.
        bool columns = fanIn >= fanOut;
        int k = Math.Min(fanIn, fanOut);
        int n = Math.Max(fanIn, fanOut);
        for (int a = 0; a < k; a++)
        {
            for (int b = 0; b < k; b++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++)
                {
                    dot += columns ? w[i * fanOut + a] * (double)w[i * fanOut + b] : w[a * fanOut + i] * (double)w[b * fanOut + i];
                }
                Assert.True(Math.Abs(dot - (a == b ? 1 : 0)) < 1e-5, $"Gram[{a},{b}] = {dot}");
            }
        }
    }

    [Fact]
    public void Orthogonal_gate_blocks_are_each_orthogonal_times_the_gain_and_drawn_independently()
    {
        const int hidden = 8, gates = 3, width = gates * hidden;
        var u = new float[hidden * width];
        new OrthogonalInitializer(gain: 0.5).FillGateBlocks(u, hidden, gates, new Random(4));

        for (int g = 0; g < gates; g++)
        {
            for (int a = 0; a < hidden; a++)
            {
                for (int b = 0; b < hidden; b++)
                {
                    double dot = 0;
                    for (int r = 0; r < hidden; r++)
                    {
                        dot += u[r * width + g * hidden + a] * (double)u[r * width + g * hidden + b];
                    }
                    Assert.True(Math.Abs(dot - (a == b ? 0.25 : 0)) < 1e-5, $"gate {g}: Gram[{a},{b}] = {dot}");
                }
            }
        }
        Assert.NotEqual(u.AsSpan(0, hidden).ToArray(), u.AsSpan(hidden, hidden).ToArray()); // gate 0 and gate 1, first row
        Assert.Throws<ArgumentException>(() => new OrthogonalInitializer().FillGateBlocks(new float[10], hidden, gates, new Random(4)));
    }

    [Fact]
    public void Same_seed_gives_the_same_weights()
    {
        Assert.Equal(Draw(Initializer.HeNormal, 5), Draw(Initializer.HeNormal, 5));
        Assert.NotEqual(Draw(Initializer.HeNormal, 5), Draw(Initializer.HeNormal, 6));
    }

    [Theory]
    [InlineData("glorot_unifrom")]
    [InlineData("uniform:-1")]
    [InlineData("he_uniform:2")]
    public void Bad_initializer_names_are_refused_with_the_known_list(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => Initializer.FromName(name));

        Assert.Contains(name.Split(':')[0], e.Message);
    }
}
