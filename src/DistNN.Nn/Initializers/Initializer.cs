using System.Globalization;

namespace DistNN.Nn.Initializers;

/// <summary>
/// How a weight tensor gets its first values, from its fan-in and fan-out. Biases start at zero unless the
/// scheme says otherwise (<see cref="FillBias"/>; PyTorch's default draws them too).
/// </summary>
public abstract class Initializer
{
    public abstract string Name { get; }

    public abstract void Fill(Span<float> weights, int fanIn, int fanOut, Random rng);

    /// <summary>Fills the bias of the same layer; zeros unless overridden.</summary>
    public virtual void FillBias(Span<float> bias, int fanIn, int fanOut, Random rng) => bias.Clear();

    /// <summary>Glorot &amp; Bengio 2010: U(−l, l), l = √(6 / (fan_in + fan_out)), so Var(W) = 2 / (fan_in + fan_out).</summary>
    public static Initializer XavierUniform { get; } = new XavierUniformInitializer();

    public static Initializer XavierNormal { get; } = new XavierNormalInitializer();

    public static Initializer HeUniform { get; } = new HeUniformInitializer();

    public static Initializer HeNormal { get; } = new HeNormalInitializer();

    public static Initializer Zeros { get; } = new ZerosInitializer();

    public static Initializer TorchDefault { get; } = new TorchDefaultInitializer();

    public static Initializer LecunUniform { get; } = new LecunUniformInitializer();

    public static Initializer Orthogonal { get; } = new OrthogonalInitializer();

    public static IReadOnlyList<string> KnownNames { get; } =
    [
        "zeros", "uniform[:limit]", "normal[:std]", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
        "lecun_uniform", "torch_default", "orthogonal",
    ];

    /// <summary>
    /// An initializer by spec name. "uniform:0.1" draws U(−0.1, 0.1) (default 0.05); "normal:0.02" draws N(0, 0.02²)
    /// (default 0.05). Glorot/Kaiming are accepted as synonyms of Xavier/He.
    /// </summary>
    public static Initializer FromName(string name)
    {
        string lower = name.Trim().ToLowerInvariant();
        string head = lower;
        double? argument = null;
        int colon = lower.IndexOf(':');
        if (colon >= 0)
        {
            head = lower[..colon];
            if (!double.TryParse(lower[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double a) || !(a > 0) || double.IsInfinity(a))
            {
                throw new ArgumentException($"initializer '{name}': the value after ':' must be a positive number");
            }
            argument = a;
        }
        Initializer result = head switch
        {
            "zeros" or "zero" => Zeros,
            "uniform" => new UniformInitializer(argument ?? 0.05),
            "normal" => new NormalInitializer(argument ?? 0.05),
            "xavier_uniform" or "glorot_uniform" => XavierUniform,
            "xavier_normal" or "glorot_normal" => XavierNormal,
            "he_uniform" or "kaiming_uniform" => HeUniform,
            "he_normal" or "kaiming_normal" => HeNormal,
            "lecun_uniform" => LecunUniform,
            "torch_default" or "pytorch_default" => TorchDefault,
            "orthogonal" => Orthogonal,
            _ => throw new ArgumentException($"unknown initializer '{name}' (known: {string.Join(", ", KnownNames)})"),
        };
        if (argument is not null && head is not ("uniform" or "normal"))
        {
            throw new ArgumentException($"initializer '{head}' takes no ':value' (only uniform and normal do)");
        }
        return result;
    }

    /// <summary>Fills with U(−limit, limit).</summary>
    protected static void FillUniform(Span<float> values, double limit, Random rng)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
        }
    }
}
