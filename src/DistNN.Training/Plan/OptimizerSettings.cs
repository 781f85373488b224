using DistNN.Nn.Optimizers;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Plan;

/// <summary>
/// The plan's optimizer: the rule, its learning rate, momentum (0: the rule's default) and L1/L2 penalties. Parsed
/// once from the user's text (<see cref="Parse"/>); every node creates its optimizer from these values.
/// </summary>
public sealed record OptimizerSettings(OptimizerKind Kind = OptimizerKind.Adam, float LearningRate = 1e-3f, float Momentum = 0,
    float L1 = 0, float L2 = 0)
{
    /// <summary>The rule's name as the command line and the summary write it (sgd, momentum, …, adam).</summary>
    public string Name => Kind.ToString().ToLowerInvariant();

    /// <summary>A rule by name (case-insensitive); an unknown name is an error listing the known ones.</summary>
    public static OptimizerSettings Parse(string name, float learningRate, float momentum = 0, float l1 = 0, float l2 = 0)
    {
        string wanted = (name ?? "").Trim();
        foreach (var kind in Enum.GetValues<OptimizerKind>())
        {
            if (kind.ToString().Equals(wanted, StringComparison.OrdinalIgnoreCase))
            {
                return new OptimizerSettings(kind, learningRate, momentum, l1, l2);
            }
        }
        throw new ArgumentException($"unknown optimizer '{name}' (known: {string.Join(", ", OptimizerFactory.Names)})");
    }

    /// <summary>A fresh optimizer of this rule (its state is sized by the caller, per chunk or per model).</summary>
    public Optimizer Create() => OptimizerFactory.Create(Name, LearningRate, new OptimizerOptions
    {
        Momentum = Momentum > 0 ? Momentum : null,
        L1 = L1,
        L2 = L2,
    });
}
