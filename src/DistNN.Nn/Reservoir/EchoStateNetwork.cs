namespace DistNN.Nn.Reservoir;

/// <summary>
/// Echo state network (Jaeger 2001; Jaeger &amp; Haas 2004): a fixed random sparse reservoir driven by input u and
/// (optionally) its own output y, and a linear readout trained in closed form.
/// <code>
/// x(n) = (1 − a)·x(n−1) + a·tanh(W·x(n−1) + W_in·[1; u(n)] + W_fb·y(n−1) + ν(n))
/// y(n) = W_outᵀ·[1; u(n); x(n)]
/// </code>
/// Training is teacher forced (y(n−1) := d(n−1)); after a washout the states are collected and W_out solves the ridge
/// problem. Free running feeds the network's own output back. All arithmetic is in double precision.
/// </summary>
public sealed class EchoStateNetwork
{
    private readonly EchoStateNetworkOptions _options;
    private readonly SparseMatrix _reservoir;
    private readonly double[] _inputWeights;     // N × (1 + K): column 0 is the bias
    private readonly double[] _feedbackWeights;  // N × L
    private readonly double[] _x;
    private readonly double[] _pre;
    private readonly double[] _lastOutput;
    private readonly double[] _features;
    private readonly Random _noise;
    private double[]? _readout;                  // P × L

    /// <summary>Builds the network; <paramref name="reservoir"/> replaces the random reservoir (it is rescaled in place).</summary>
    public EchoStateNetwork(EchoStateNetworkOptions options, SparseMatrix? reservoir = null)
    {
        Validate(options);
        _options = options;
        int n = options.Units;
        var rng = new Random(options.Seed);
        _reservoir = reservoir ?? SparseMatrix.Random(n, options.Connectivity, rng);
        if (_reservoir.Size != n)
        {
            throw new ArgumentException($"the reservoir is {_reservoir.Size}×{_reservoir.Size}, the options ask for {n} units");
        }
        double rho = SpectralRadius.Estimate(_reservoir);
        if (!(rho > 1e-12) || !double.IsFinite(rho))
        {
            throw new InvalidOperationException(
                $"the reservoir's spectral radius is {rho:G3}, so it cannot be scaled to {options.SpectralRadius}: the matrix is zero or nilpotent; use more connectivity");
        }
        _reservoir.Scale(options.SpectralRadius / rho);
        MeasuredSpectralRadius = SpectralRadius.Estimate(_reservoir);

        int k = options.Inputs;
        _inputWeights = new double[n * (1 + k)];
        for (int i = 0; i < n; i++)
        {
            _inputWeights[i * (1 + k)] = Uniform(rng, options.BiasScaling);
            for (int j = 1; j <= k; j++)
            {
                _inputWeights[i * (1 + k) + j] = Uniform(rng, options.InputScaling);
            }
        }
        _feedbackWeights = new double[n * options.Outputs];
        for (int i = 0; i < _feedbackWeights.Length; i++)
        {
            _feedbackWeights[i] = Uniform(rng, options.FeedbackScaling);
        }
        _x = new double[n];
        _pre = new double[n];
        _lastOutput = new double[options.Outputs];
        _features = new double[FeatureCount];
        _noise = new Random(options.Seed + 7919);
    }

    public EchoStateNetworkOptions Options => _options;

    /// <summary>ρ(W) measured after rescaling (by the growth-rate power iteration).</summary>
    public double MeasuredSpectralRadius { get; }

    public SparseMatrix ReservoirWeights => _reservoir;

    /// <summary>The readout's input size P = 1 + (K if the readout sees the input) + N.</summary>
    public int FeatureCount => 1 + (_options.ReadoutFromInput ? _options.Inputs : 0) + _options.Units;

    /// <summary>W_out (P × L) once trained.</summary>
    public ReadOnlySpan<double> ReadoutWeights => _readout ?? throw new InvalidOperationException("the echo state network is not trained yet");

    public ReadOnlySpan<double> State => _x;

    /// <summary>Zero state and zero fed-back output.</summary>
    public void Reset()
    {
        Array.Clear(_x);
        Array.Clear(_lastOutput);
    }

    /// <summary>
    /// Teacher-forced training on inputs (T × K) and teachers (T × L): runs from the zero state, drops the first
    /// <paramref name="washout"/> states, fits the readout by ridge regression. Returns the one-step training NRMSE.
    /// </summary>
    public double Train(ReadOnlySpan<double> inputs, ReadOnlySpan<double> teachers, int washout)
    {
        int k = _options.Inputs;
        int l = _options.Outputs;
        int steps = teachers.Length / l;
        if (teachers.Length != steps * l || inputs.Length != steps * k)
        {
            throw new ArgumentException($"training needs T×{k} inputs and T×{l} teachers; got {inputs.Length} and {teachers.Length} values");
        }
        if (washout < 0 || steps - washout < 1)
        {
            throw new ArgumentException($"washout {washout} leaves no training steps out of {steps}");
        }
        int rows = steps - washout;
        int p = FeatureCount;
        var states = new double[rows * p];
        var targets = teachers[(washout * l)..].ToArray();
        Reset();
        for (int s = 0; s < steps; s++)
        {
            var u = inputs.Slice(s * k, k);
            Update(u, _lastOutput, noisy: true);
            teachers.Slice(s * l, l).CopyTo(_lastOutput);
            if (s >= washout)
            {
                FillFeatures(u, states.AsSpan((s - washout) * p, p));
            }
        }
        CheckFinite(_x, "reservoir state during training");
        _readout = RidgeRegression.Fit(states, targets, rows, p, l, _options.Ridge);
        CheckFinite(_readout, "readout weights");

        double se = 0;
        var y = new double[l];
        for (int r = 0; r < rows; r++)
        {
            Readout(states.AsSpan(r * p, p), y);
            for (int o = 0; o < l; o++)
            {
                double e = y[o] - targets[r * l + o];
                se += e * e;
            }
        }
        return Math.Sqrt(se / targets.Length / Variance(targets));
    }

    /// <summary>Drives the network with known inputs and teacher outputs (no readout), e.g. to synchronise it before free running.</summary>
    public void TeacherForce(ReadOnlySpan<double> inputs, ReadOnlySpan<double> teachers)
    {
        int k = _options.Inputs;
        int l = _options.Outputs;
        int steps = teachers.Length / l;
        for (int s = 0; s < steps; s++)
        {
            Update(inputs.Slice(s * k, k), _lastOutput, noisy: false);
            teachers.Slice(s * l, l).CopyTo(_lastOutput);
        }
        CheckFinite(_x, "reservoir state");
    }

    /// <summary>Free running: each step reads its input (steps × K, may be empty when K = 0) and feeds its own output back.</summary>
    public void Generate(ReadOnlySpan<double> inputs, Span<double> outputs)
    {
        int k = _options.Inputs;
        int l = _options.Outputs;
        int steps = outputs.Length / l;
        for (int s = 0; s < steps; s++)
        {
            var u = inputs.Slice(s * k, k);
            Update(u, _lastOutput, noisy: false);
            FillFeatures(u, _features);
            var y = outputs.Slice(s * l, l);
            Readout(_features, y);
            CheckFinite(y, "generated output");
            y.CopyTo(_lastOutput);
        }
    }

    /// <summary>One reservoir update with input u(n) and fed-back output y(n−1).</summary>
    private void Update(ReadOnlySpan<double> u, ReadOnlySpan<double> feedback, bool noisy)
    {
        int n = _options.Units;
        int k = _options.Inputs;
        int l = _options.Outputs;
        double a = _options.LeakRate;
        double noise = noisy ? _options.StateNoise : 0;
        _reservoir.Multiply(_x, _pre);
        for (int i = 0; i < n; i++)
        {
            var win = _inputWeights.AsSpan(i * (1 + k), 1 + k);
            double s = _pre[i] + win[0];
            for (int j = 0; j < k; j++)
            {
                s += win[j + 1] * u[j];
            }
            for (int o = 0; o < l; o++)
            {
                s += _feedbackWeights[i * l + o] * feedback[o];
            }
            if (noise != 0)
            {
                s += Uniform(_noise, noise);
            }
            _x[i] = (1 - a) * _x[i] + a * Math.Tanh(s);
        }
    }

    private void FillFeatures(ReadOnlySpan<double> u, Span<double> z)
    {
        z[0] = 1;
        int offset = 1;
        if (_options.ReadoutFromInput)
        {
            u.CopyTo(z[1..]);
            offset += u.Length;
        }
        _x.CopyTo(z[offset..]);
    }

    private void Readout(ReadOnlySpan<double> z, Span<double> y)
    {
        var w = ReadoutWeights;
        int l = _options.Outputs;
        y.Clear();
        for (int i = 0; i < z.Length; i++)
        {
            double zi = z[i];
            for (int o = 0; o < l; o++)
            {
                y[o] += zi * w[i * l + o];
            }
        }
    }

    private static double Variance(ReadOnlySpan<double> v)
    {
        double mean = 0;
        foreach (double d in v)
        {
            mean += d;
        }
        mean /= v.Length;
        double s = 0;
        foreach (double d in v)
        {
            s += (d - mean) * (d - mean);
        }
        return s / v.Length;
    }

    private static void CheckFinite(ReadOnlySpan<double> v, string what)
    {
        foreach (double d in v)
        {
            if (!double.IsFinite(d))
            {
                throw new ArithmeticException($"echo state network: the {what} became NaN or infinite; lower the spectral radius, input or feedback scaling, or raise the ridge penalty");
            }
        }
    }

    private static double Uniform(Random rng, double scale) => scale == 0 ? 0 : (rng.NextDouble() * 2 - 1) * scale;

    private static void Validate(EchoStateNetworkOptions o)
    {
        if (o.Units <= 0 || o.Inputs < 0 || o.Outputs <= 0)
        {
            throw new ArgumentException($"an echo state network needs units > 0, inputs ≥ 0, outputs > 0 (got {o.Units}, {o.Inputs}, {o.Outputs})");
        }
        if (!(o.SpectralRadius > 0) || !double.IsFinite(o.SpectralRadius))
        {
            throw new ArgumentOutOfRangeException(nameof(o.SpectralRadius), o.SpectralRadius, "the spectral radius must be positive (a reservoir of radius 0 forgets everything at once)");
        }
        if (!(o.LeakRate > 0 && o.LeakRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(o.LeakRate), o.LeakRate, "the leak rate must be in (0, 1]");
        }
        if (!(o.Ridge >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(o.Ridge), o.Ridge, "the ridge penalty must be ≥ 0");
        }
    }
}
