using DistNN.Tensors;

namespace DistNN.Nn.Simd;

/// <summary>Float lanes per register of each instruction set's kernels.</summary>
internal static class SimdLanes
{
    public static int Of(Isa isa) => isa switch
    {
        Isa.Avx512 => Simd512.Count,
        Isa.Avx2 => Simd256.Count,
        Isa.Vector128 => Simd128.Count,
        _ => SimdScalar.Count,
    };
}
