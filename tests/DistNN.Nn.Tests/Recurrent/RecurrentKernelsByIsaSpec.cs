using DistNN.Tensors;

namespace DistNN.Nn.Tests.Recurrent;

/// <summary>
/// The recurrent cells' fused backward passes under each instruction set's kernels, against finite differences of the
/// double-precision oracle. 19 hidden units: whole registers of every width and a lane-by-lane tail.
/// </summary>
public class RecurrentKernelsByIsaSpec
{
    public static IEnumerable<object[]> Cases => IsaCases.Cross([["rnn"], ["lstm"], ["gru"]]);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Backpropagation_through_time_matches_finite_differences_under_each_instruction_set(Isa isa, string cell)
    {
        using var scope = IsaCases.Enter(isa);
        var (layer, x, oracle) = RecurrentGradientSpec.Setup(cell, time: 3, sequences: true, bptt: 0, hidden: 19);

        GradientCheck.Layer(layer, x, oracle.Run);
    }
}
