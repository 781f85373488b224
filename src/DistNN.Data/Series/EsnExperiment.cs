using DistNN.Nn.Reservoir;
using System.Diagnostics;

namespace DistNN.Data.Series;

/// <summary>
/// Jaeger &amp; Haas (2004) methodology for Mackey–Glass 17: one long series; the network is trained teacher forced on
/// its first segment; then, for each test run j, the network is reset, teacher forced for a washout from its own start
/// point, run free for the horizon (84 steps), and the error at the last step is kept. NRMSE84 =
/// sqrt(Σ_j (d_j − y_j)² / (runs · σ²)) with σ² the variance of the series.
/// </summary>
public static class EsnExperiment
{
    public static EsnResult Run(EsnOptions o)
    {
        if (o.TestRuns < 1 || o.Horizon < 1 || o.TrainLength <= o.Washout || o.TestWashout < 0 || o.TestStride < 1)
        {
            throw new ArgumentException("ESN experiment: needs test runs ≥ 1, horizon ≥ 1, train length > washout, test stride ≥ 1");
        }
        var clock = Stopwatch.StartNew();
        int total = o.TrainLength + o.TestWashout + (o.TestRuns - 1) * o.TestStride + o.Horizon;
        var series = new MackeyGlass { Dt = o.IntegrationStep }.Generate(total);
        var teacher = new double[total];
        for (int i = 0; i < total; i++)
        {
            teacher[i] = Forward(o, series[i]);
        }

        var esn = new EchoStateNetwork(new EchoStateNetworkOptions
        {
            Units = o.Units,
            Inputs = 0,
            Outputs = 1,
            Connectivity = o.Connectivity,
            SpectralRadius = o.SpectralRadius,
            BiasScaling = o.BiasScaling,
            FeedbackScaling = o.FeedbackScaling,
            LeakRate = o.LeakRate,
            Ridge = o.Ridge,
            StateNoise = o.StateNoise,
            Seed = o.Seed,
        });
        double trainNrmse = esn.Train([], teacher.AsSpan(0, o.TrainLength), o.Washout);

        double variance = Variance(series);
        double seHorizon = 0;
        double seAll = 0;
        var generated = new double[o.Horizon];
        for (int j = 0; j < o.TestRuns; j++)
        {
            int start = o.TrainLength + j * o.TestStride;
            esn.Reset();
            esn.TeacherForce([], teacher.AsSpan(start, o.TestWashout));
            esn.Generate([], generated);
            int first = start + o.TestWashout;
            for (int s = 0; s < o.Horizon; s++)
            {
                double e = Inverse(o, generated[s]) - series[first + s];
                seAll += e * e;
                if (s == o.Horizon - 1)
                {
                    seHorizon += e * e;
                }
            }
        }
        return new EsnResult
        {
            Nrmse84 = Math.Sqrt(seHorizon / o.TestRuns / variance),
            NrmseAllSteps = Math.Sqrt(seAll / (o.TestRuns * o.Horizon) / variance),
            TrainNrmse = trainNrmse,
            MeasuredSpectralRadius = esn.MeasuredSpectralRadius,
            TestRuns = o.TestRuns,
            Horizon = o.Horizon,
            Elapsed = clock.Elapsed,
            Options = o,
        };
    }

    private static double Forward(EsnOptions o, double y) => o.Squash ? Math.Tanh(y + o.Shift) : y + o.Shift;

    private static double Inverse(EsnOptions o, double t) => (o.Squash ? Math.Atanh(Math.Clamp(t, -1 + 1e-15, 1 - 1e-15)) : t) - o.Shift;

    private static double Variance(double[] v)
    {
        double mean = v.Average();
        return v.Sum(d => (d - mean) * (d - mean)) / v.Length;
    }
}
