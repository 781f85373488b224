using DistNN.Tensors.Kernels;

namespace DistNN.Tensors.Tests;

public class GemmSpec
{
    public static TheoryData<int, int, int> AwkwardShapes() => new()
    {
        { 1, 1, 1 },
        { 1, 17, 3 },
        { 5, 1, 7 },
        { 6, 64, 8 },
        { 7, 65, 9 },
        { 6, 16, 5 },
        { 12, 32, 4 },
        { 18, 96, 3 },
        { 6, 10, 11 },
        { 13, 31, 29 },
        { 12, 128, 257 },
        { 37, 97, 300 },
        { 130, 70, 513 },
    };

    [SkippableTheory]
    [MemberData(nameof(GemmCase.KernelNames), MemberType = typeof(GemmCase))]
    public void Every_transposed_form_of_every_awkward_shape_matches_the_reference_on_one_and_two_threads(string kernelName)
    {
        GemmKernel kernel = GemmCase.Runnable(kernelName);
        foreach (var shape in AwkwardShapes())
        {
            var (m, n, k) = ((int)shape[0], (int)shape[1], (int)shape[2]);
            foreach (bool transA in new[] { false, true })
            {
                foreach (bool transB in new[] { false, true })
                {
                    var gemm = new GemmCase(m, n, k, transA, transB, alpha: 0.75f, beta: -0.5f);
                    foreach (int threads in new[] { 1, 2 })
                    {
                        gemm.AssertMatchesReference(gemm.Run(kernel, threads));
                    }
                }
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(GemmCase.KernelNames), MemberType = typeof(GemmCase))]
    public void A_tall_product_on_two_threads_shares_packed_B_and_matches_the_reference_bitwise_as_one_thread(string kernelName)
    {
        GemmKernel kernel = GemmCase.Runnable(kernelName);
        // At least one MC row block per thread takes the shared-B̃ path (on avx512: one row rectangle per thread, each
        // packing its own B̃); odd sizes leave edge tiles in every direction.
        int m = 2 * kernel.Blocking.MC + 7;
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                var gemm = new GemmCase(m, 3 * kernel.Blocking.NR + 5, kernel.Blocking.KC + 9, transA, transB, alpha: 1.25f, beta: 0.5f);
                float[] two = gemm.Run(kernel, 2);
                gemm.AssertMatchesReference(two);
                Assert.Equal(gemm.Run(kernel, 1), two);
            }
        }
    }

    [SkippableTheory]
    [InlineData(Isa.Avx512)]
    [InlineData(Isa.Avx2)]
    [InlineData(Isa.Vector128)]
    [InlineData(Isa.Scalar)]
    public void The_public_entry_point_runs_the_instruction_set_forced_on_the_thread(Isa isa)
    {
        Skip.IfNot(CpuKernels.CanRun(isa),
            $"SKIPPED LOUDLY: {CpuKernels.Name(isa)} is beyond this CPU ({CpuKernels.CpuModel}), which runs at most {CpuKernels.Name(CpuKernels.Best)}");
        var gemm = new GemmCase(37, 97, 300, false, true, alpha: 0.5f, beta: 2f);

        float[] forced = gemm.RunForced(isa, 2);

        gemm.AssertMatchesReference(forced);
        Assert.Equal(gemm.Run(GemmKernel.For(isa), 2), forced);
        Assert.StartsWith(CpuKernels.Name(isa), Gemm.KernelName(isa));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Leading_dimensions_wider_than_the_matrix_are_respected(bool transA, bool transB)
    {
        foreach (int n in new[] { 16, 32, 70 })
        {
            var gemm = new GemmCase(18, n, 23, transA, transB, alpha: 1.5f, beta: 1f, padA: 5, padB: 11, padC: 3);
            foreach (GemmKernel kernel in GemmCase.RunnableKernels())
            {
                gemm.AssertMatchesReference(gemm.Run(kernel, 2));
            }
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1f)]
    [InlineData(2.5f)]
    public void Beta_scales_the_prior_contents_of_C(float beta)
    {
        var gemm = new GemmCase(20, 80, 33, false, false, alpha: -2f, beta: beta);
        gemm.AssertMatchesReference(gemm.Run(GemmKernel.For(CpuKernels.Best), 1));
    }

    [Fact]
    public void Beta_zero_ignores_NaN_already_in_C()
    {
        var a = Enumerable.Repeat(1f, 7 * 5).ToArray();
        var b = Enumerable.Repeat(2f, 5 * 70).ToArray();
        var c = Enumerable.Repeat(float.NaN, 7 * 70).ToArray();

        Gemm.Multiply(false, false, 7, 70, 5, 1f, a, 5, b, 70, 0f, c, 70);

        Assert.All(c, v => Assert.Equal(10f, v));
    }

    [Fact]
    public void Empty_inner_dimension_only_scales_C()
    {
        var c = new[] { 1f, 2f, 3f, 4f };

        Gemm.Multiply(false, false, 2, 2, 0, 1f, [], 1, [], 2, 3f, c, 2);

        Assert.Equal(new[] { 3f, 6f, 9f, 12f }, c);
    }

    [Fact]
    public void Two_threads_give_bitwise_the_same_result_as_one()
    {
        var gemm = new GemmCase(200, 300, 150, false, false, alpha: 1f, beta: 0.5f);

        Assert.Equal(gemm.Run(GemmKernel.For(CpuKernels.Best), 1), gemm.Run(GemmKernel.For(CpuKernels.Best), 2));
    }

    [Fact]
    public void Concurrent_callers_sharing_the_worker_pool_each_get_their_own_product()
    {
        var cases = Enumerable.Range(0, 4).Select(s => new GemmCase(96, 200, 120, s % 2 == 0, s >= 2, seed: s)).ToArray();
        var expected = cases.Select(g => g.Run(GemmKernel.For(CpuKernels.Best), 1)).ToArray();

        var results = new float[cases.Length][][];
        Parallel.For(0, cases.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            results[i] = Enumerable.Range(0, 20).Select(_ => cases[i].Run(GemmKernel.For(CpuKernels.Best), 2)).ToArray();
        });

        for (int i = 0; i < cases.Length; i++)
        {
            Assert.All(results[i], r => Assert.Equal(expected[i], r));
        }
    }

    [Fact]
    public void A_leading_dimension_smaller_than_a_row_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, 2, 2, 3, 1f, new float[6], 2, new float[6], 2, 0f, new float[4], 2));

        Assert.Contains("leading dimension of A", error.Message);
    }

    [Fact]
    public void A_span_too_short_for_its_shape_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            Gemm.MatMul(new float[6], new float[5], new float[4], 2, 2, 3));

        Assert.Contains("B is stored as 3×2", error.Message);
    }

    [Fact]
    public void MatMul_helpers_compute_the_three_training_products()
    {
        // x: 2×3, w: 3×2, dz: 2×2.
        float[] x = [1, 2, 3, 4, 5, 6];
        float[] w = [1, 0, 0, 1, 1, 1];
        float[] dz = [1, 2, 3, 4];
        var z = new float[4];
        var dw = new float[6];
        var dx = new float[6];

        Gemm.MatMul(x, w, z, 2, 2, 3);
        Gemm.MatMulTransA(x, dz, dw, 3, 2, 2);
        Gemm.MatMulTransB(dz, w, dx, 2, 3, 2);

        Assert.Equal(new float[] { 4, 5, 10, 11 }, z);
        Assert.Equal(new float[] { 13, 18, 17, 24, 21, 30 }, dw);
        Assert.Equal(new float[] { 1, 2, 3, 3, 4, 7 }, dx);
    }
}
