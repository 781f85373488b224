using DistNN.Nn.Activations;
using DistNN.Nn.Layers.Conv;
using DistNN.Tensors;

namespace DistNN.Nn.Tests.Conv;

/// <summary>
/// Convolution under each instruction set's kernels against the double-precision naive convolution: forward values
/// and finite-difference gradients. The cases cover every padding form, strides, the small-patch kernels (3×3 on one
/// channel: the register kernels, with filters a multiple of the width or not; larger patches up to 32 floats: the
/// general loop) and im2col + GEMM (patches over 32 floats, and 1×1).
/// </summary>
public class ConvKernelsByIsaSpec
{
    public static IEnumerable<object[]> Cases => IsaCases.Cross(
    [
        // batch, height, width, channels, filters, kh, kw, sh, sw, padding, relu
        [2, 6, 7, 1, 32, 3, 3, 1, 1, "same", true],
        [2, 6, 7, 1, 64, 3, 3, 1, 1, "same", false],
        [1, 7, 6, 1, 16, 3, 3, 2, 2, "valid", true],
        [1, 6, 7, 1, 8, 3, 3, 2, 1, "[1,0,2,1]", true],
        [2, 5, 7, 1, 35, 3, 3, 1, 1, "same", true],
        [1, 5, 6, 1, 4, 3, 3, 1, 1, "1", false],
        [1, 6, 6, 3, 20, 3, 3, 1, 1, "same", true],
        [2, 5, 7, 2, 17, 3, 2, 1, 2, "[0,1,1,0]", false],
        [1, 6, 6, 2, 33, 4, 4, 3, 3, "same", true],
        [2, 5, 7, 4, 9, 3, 3, 2, 1, "same", true],
        [2, 5, 7, 3, 4, 1, 1, 1, 1, "valid", false],
    ]);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Conv2D_matches_the_naive_convolution_and_its_finite_differences_under_each_instruction_set(
        Isa isa, int batch, int height, int width, int channels, int filters, int kh, int kw, int sh, int sw, string padding, bool relu)
    {
        using var scope = IsaCases.Enter(isa);
        Conv2DSpec.MatchesNaiveConvolution(new Random(11), batch, height, width, channels, filters, kh, kw, sh, sw, padding, relu);
    }

    [SkippableTheory]
    [MemberData(nameof(NaNCases))]
    public void Conv2D_with_relu_keeps_a_NaN_input_NaN_in_every_output_that_sees_it_under_each_instruction_set(Isa isa, int channels, int filters)
    {
        using var scope = IsaCases.Enter(isa);
        var rng = new Random(2);
        var layer = new Conv2D(filters, 3, 3, padding: Padding2D.Same, activation: new Relu()) { Name = "conv" };
        layer.Build([5, 5, channels]);
        layer.Initialize(rng);
        var x = GradientCheck.Random(rng, 1, 5, 5, channels);
        x[(2 * 5 + 2) * channels] = float.NaN;

        var y = layer.Forward(x, training: false);

        for (int oy = 0; oy < 5; oy++)
        {
            for (int ox = 0; ox < 5; ox++)
            {
                bool sees = Math.Abs(oy - 2) <= 1 && Math.Abs(ox - 2) <= 1;
                for (int f = 0; f < filters; f++)
                {
                    float v = y[(oy * 5 + ox) * filters + f];
                    Assert.True(sees ? float.IsNaN(v) : v >= 0f, $"output ({oy},{ox}) filter {f}: {v}");
                }
            }
        }
    }

    public static IEnumerable<object[]> NaNCases => IsaCases.Cross([[1, 32], [1, 12], [2, 16], [4, 8]]);
}
