namespace DistNN.Data.Series;

/// <summary>
/// The Mackey–Glass delay differential equation (Mackey &amp; Glass 1977), chaotic for τ = 17:
/// dx/dt = a·x(t−τ) / (1 + x(t−τ)ⁿ) − b·x(t), with a = 0.2, b = 0.1, n = 10.
/// Integrated by classical Runge–Kutta (RK4) with step <c>dt</c>; the delayed values that fall between grid points
/// (RK4's half steps) come from cubic Lagrange interpolation of the stored history. The history before t = 0 is
/// the constant x₀. The series is sampled every <c>sampleEvery</c> time units (1 in the echo-state literature)
/// after a transient is discarded.
/// </summary>
public sealed record MackeyGlass
{
    public double Tau { get; init; } = 17;

    public double A { get; init; } = 0.2;

    public double B { get; init; } = 0.1;

    public double N { get; init; } = 10;

    /// <summary>Integration step; τ/dt need not be an integer.</summary>
    public double Dt { get; init; } = 0.1;

    public double SampleEvery { get; init; } = 1;

    /// <summary>Time units integrated and thrown away before the first sample.</summary>
    public double Transient { get; init; } = 1000;

    /// <summary>Constant history for t ≤ 0.</summary>
    public double X0 { get; init; } = 1.2;

    public double[] Generate(int samples)
    {
        if (samples < 0 || !(Dt > 0) || !(Tau >= 3 * Dt) || !(SampleEvery >= Dt) || Transient < 0)
        {
            throw new ArgumentException($"Mackey–Glass needs samples ≥ 0, dt > 0, τ ≥ 3·dt and a sampling interval ≥ dt (got {samples}, {Dt}, {Tau}, {SampleEvery})");
        }
        int every = (int)Math.Round(SampleEvery / Dt);
        int skip = (int)Math.Round(Transient / Dt);
        long steps = skip + (long)samples * every;
        if (steps > int.MaxValue - 1)
        {
            throw new ArgumentException("Mackey–Glass: too many integration steps; use a larger dt");
        }
        var x = new double[steps + 1];
        x[0] = X0;
        double delay = Tau / Dt;
        var result = new double[samples];
        int taken = 0;
        for (int k = 0; k < steps; k++)
        {
            double t = k;
            double xk = x[k];
            // Delayed values at grid positions k − τ/dt, k + ½ − τ/dt and k + 1 − τ/dt.
            double d0 = Delayed(x, t - delay);
            double dh = Delayed(x, t + 0.5 - delay);
            double d1 = Delayed(x, t + 1 - delay);
            double k1 = F(xk, d0);
            double k2 = F(xk + 0.5 * Dt * k1, dh);
            double k3 = F(xk + 0.5 * Dt * k2, dh);
            double k4 = F(xk + Dt * k3, d1);
            x[k + 1] = xk + Dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
            int after = k + 1 - skip;
            if (after > 0 && after % every == 0 && taken < samples)
            {
                result[taken++] = x[k + 1];
            }
        }
        return result;
    }

    private double F(double x, double delayed) => A * delayed / (1 + Math.Pow(delayed, N)) - B * x;

    /// <summary>x at fractional grid position p ≤ current step by cubic Lagrange interpolation; the history is X0 for p ≤ 0.</summary>
    private double Delayed(double[] x, double p)
    {
        if (p <= 0)
        {
            return X0;
        }
        int i = (int)Math.Floor(p);
        double f = p - i;
        if (f == 0)
        {
            return x[i];
        }
        double xm = At(x, i - 1), x0 = x[i], x1 = x[i + 1], x2 = At(x, i + 2);
        return -f * (f - 1) * (f - 2) / 6 * xm
            + (f + 1) * (f - 1) * (f - 2) / 2 * x0
            - (f + 1) * f * (f - 2) / 2 * x1
            + (f + 1) * f * (f - 1) / 6 * x2;
    }

    private double At(double[] x, int i) => i <= 0 ? (i == 0 ? x[0] : X0) : x[i];
}
