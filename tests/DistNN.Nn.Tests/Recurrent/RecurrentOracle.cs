namespace DistNN.Nn.Tests.Recurrent;

/// <summary>
/// Plain-loop double-precision forward passes of the three cells, written from the textbook equations
/// independently of the layers. Parameters in layer order: W (features × gates·hidden), U (hidden × gates·hidden), b, [b_hn].
/// With truncation k &gt; 0 the state entering each k-step chunk (counted back from the last step, never the given
/// initial state) is replaced by the constant <see cref="Detached"/> trajectory, which is exactly what cutting the
/// gradient there means.
/// </summary>
public sealed class RecurrentOracle
{
    public required string Cell { get; init; }

    public required int Batch { get; init; }

    public required int Time { get; init; }

    public required int Features { get; init; }

    public required int Hidden { get; init; }

    public bool Sequences { get; init; }

    public int Truncation { get; init; }

    public double[]? H0 { get; set; }

    public double[]? C0 { get; set; }

    /// <summary>h_{s} and c_{s} per sample used at chunk starts, from a run at the base point: [time+1][batch·hidden].</summary>
    public (double[][] H, double[][] C)? Detached { get; set; }

    public int Gates => Cell switch { "rnn" => 1, "lstm" => 4, "gru" => 3, _ => throw new ArgumentException(Cell) };

    /// <summary>Records the trajectory at this point so later (perturbed) runs detach there.</summary>
    public void Detach(double[] x, double[][] p)
    {
        Detached = null;
        var hs = new double[Time + 1][];
        var cs = new double[Time + 1][];
        Run(x, p, hs, cs);
        Detached = (hs, cs);
    }

    public double[] Run(double[] x, double[][] p) => Run(x, p, null, null);

    private double[] Run(double[] x, double[][] p, double[][]? hsOut, double[][]? csOut)
    {
        int hN = Hidden;
        int gw = Gates * hN;
        var output = new double[Batch * (Sequences ? Time : 1) * hN];
        var hAll = new double[Batch * hN];
        var cAll = new double[Batch * hN];
        if (H0 is not null)
        {
            Array.Copy(H0, hAll, hAll.Length);
        }
        if (C0 is not null)
        {
            Array.Copy(C0, cAll, cAll.Length);
        }
        if (hsOut is not null)
        {
            hsOut[0] = (double[])hAll.Clone();
            csOut![0] = (double[])cAll.Clone();
        }
        for (int s = 0; s < Time; s++)
        {
            if (s > 0 && Truncation > 0 && (Time - s) % Truncation == 0 && Detached is { } d)
            {
                hAll = (double[])d.H[s].Clone();
                cAll = (double[])d.C[s].Clone();
            }
            var hNext = new double[Batch * hN];
            var cNext = new double[Batch * hN];
            for (int b = 0; b < Batch; b++)
            {
                var ax = new double[gw];
                var ah = new double[gw];
                for (int j = 0; j < gw; j++)
                {
                    ax[j] = p[2][j];
                    for (int f = 0; f < Features; f++)
                    {
                        ax[j] += x[(b * Time + s) * Features + f] * p[0][f * gw + j];
                    }
                    for (int k = 0; k < hN; k++)
                    {
                        ah[j] += hAll[b * hN + k] * p[1][k * gw + j];
                    }
                }
                for (int j = 0; j < hN; j++)
                {
                    double hp = hAll[b * hN + j];
                    double h, c = 0;
                    switch (Cell)
                    {
                        case "rnn":
                            h = Math.Tanh(ax[j] + ah[j]);
                            break;
                        case "lstm":
                            double i = Sigmoid(ax[j] + ah[j]);
                            double fg = Sigmoid(ax[hN + j] + ah[hN + j]);
                            double g = Math.Tanh(ax[2 * hN + j] + ah[2 * hN + j]);
                            double o = Sigmoid(ax[3 * hN + j] + ah[3 * hN + j]);
                            c = fg * cAll[b * hN + j] + i * g;
                            h = o * Math.Tanh(c);
                            break;
                        default:
                            double r = Sigmoid(ax[j] + ah[j]);
                            double z = Sigmoid(ax[hN + j] + ah[hN + j]);
                            double n = Math.Tanh(ax[2 * hN + j] + r * (ah[2 * hN + j] + p[3][j]));
                            h = (1 - z) * n + z * hp;
                            break;
                    }
                    hNext[b * hN + j] = h;
                    cNext[b * hN + j] = c;
                    if (Sequences)
                    {
                        output[(b * Time + s) * hN + j] = h;
                    }
                    else if (s == Time - 1)
                    {
                        output[b * hN + j] = h;
                    }
                }
            }
            hAll = hNext;
            cAll = cNext;
            if (hsOut is not null)
            {
                hsOut[s + 1] = (double[])hAll.Clone();
                csOut![s + 1] = (double[])cAll.Clone();
            }
        }
        return output;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
}
