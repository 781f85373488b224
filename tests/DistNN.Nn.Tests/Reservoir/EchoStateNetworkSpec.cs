using DistNN.Nn.Reservoir;

namespace DistNN.Nn.Tests.Reservoir;

public class EchoStateNetworkSpec
{
    /// <summary>Gelfand's formula by repeated squaring of the dense matrix: ρ = lim ‖A^(2^k)‖_F^(1/2^k).</summary>
    private static double SpectralRadiusBySquaring(double[] a, int n, int squarings = 14)
    {
        var m = (double[])a.Clone();
        double logScale = 0;
        for (int s = 0; s < squarings; s++)
        {
            var next = new double[n * n];
            for (int i = 0; i < n; i++)
            {
                for (int k = 0; k < n; k++)
                {
                    double mik = m[i * n + k];
                    for (int j = 0; j < n; j++)
                    {
                        next[i * n + j] += mik * m[k * n + j];
                    }
                }
            }
            double norm = Math.Sqrt(next.Sum(v => v * v));
            m = next.Select(v => v / norm).ToArray();
            logScale = 2 * logScale + Math.Log(norm);
        }
        return Math.Exp(logScale / Math.Pow(2, squarings));
    }

    [Fact]
    public void Reservoir_is_scaled_to_the_requested_spectral_radius_within_one_percent()
    {
        var esn = new EchoStateNetwork(new EchoStateNetworkOptions { Units = 80, Connectivity = 0.1, SpectralRadius = 0.9, Seed = 4 });

        double independent = SpectralRadiusBySquaring(esn.ReservoirWeights.ToDense(), 80);

        Assert.InRange(independent, 0.9 * 0.99, 0.9 * 1.01);
        Assert.InRange(esn.MeasuredSpectralRadius, 0.9 * 0.99, 0.9 * 1.01);
    }

    [Fact]
    public void A_zero_reservoir_cannot_be_scaled()
    {
        var zero = SparseMatrix.FromDense(new double[16], 4);

        var e = Assert.Throws<InvalidOperationException>(() => new EchoStateNetwork(new EchoStateNetworkOptions { Units = 4 }, zero));

        Assert.Contains("spectral radius is 0", e.Message);
    }

    [Fact]
    public void A_nilpotent_reservoir_has_spectral_radius_zero_and_is_rejected()
    {
        // Strictly upper triangular: every eigenvalue is 0 although the matrix is not.
        var dense = new double[25];
        for (int i = 0; i < 5; i++)
        {
            for (int j = i + 1; j < 5; j++)
            {
                dense[i * 5 + j] = 1;
            }
        }

        Assert.Throws<InvalidOperationException>(() => new EchoStateNetwork(new EchoStateNetworkOptions { Units = 5 }, SparseMatrix.FromDense(dense, 5)));
    }

    [Fact]
    public void A_requested_spectral_radius_of_zero_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EchoStateNetwork(new EchoStateNetworkOptions { Units = 10, SpectralRadius = 0 }));
    }

    [Fact]
    public void Generative_network_continues_a_sine_wave_when_running_free()
    {
        var esn = new EchoStateNetwork(new EchoStateNetworkOptions
        {
            Units = 100, Connectivity = 0.1, SpectralRadius = 0.8, FeedbackScaling = 1, BiasScaling = 0.2, Ridge = 1e-8, Seed = 3,
        });
        var sine = Enumerable.Range(0, 900).Select(n => 0.5 * Math.Sin(2 * Math.PI * n / 20.3)).ToArray();
        esn.Train([], sine.AsSpan(0, 600), washout: 100);

        esn.Reset();
        esn.TeacherForce([], sine.AsSpan(600, 200));
        var free = new double[50];
        esn.Generate([], free);

        for (int s = 0; s < free.Length; s++)
        {
            Assert.True(Math.Abs(free[s] - sine[800 + s]) < 1e-2, $"step {s}: {free[s]} vs {sine[800 + s]}");
        }
    }

    [Fact]
    public void A_teacher_with_nan_fails_loudly_instead_of_training_on_it()
    {
        var esn = new EchoStateNetwork(new EchoStateNetworkOptions { Units = 20, Connectivity = 0.2, FeedbackScaling = 1, Seed = 1 });
        var teacher = Enumerable.Range(0, 100).Select(n => Math.Sin(n / 3.0)).ToArray();
        teacher[50] = double.NaN;

        Assert.Throws<ArithmeticException>(() => esn.Train([], teacher, washout: 10));
    }
}
