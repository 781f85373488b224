using System.Runtime.InteropServices;
using DistNN.Tensors.Kernels;

namespace DistNN.Tensors;

/// <summary>
/// Single-precision general matrix multiply on row-major matrices:
/// C = alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ.
/// op(A) is m×k, op(B) is k×n, C is m×n; lda, ldb, ldc are row strides.
/// Packed and cache-blocked with the register kernel of <see cref="CpuKernels.Current"/>, on up to
/// <see cref="ComputeThreads.Current"/> threads.
/// </summary>
public static class Gemm
{
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
        => Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmKernel.For(CpuKernels.Current), ComputeThreads.Current);

    /// <summary>The same with the kernel and thread count chosen by the caller (tests, benchmarks).</summary>
    internal static unsafe void Multiply(
        bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc,
        GemmKernel kernel, int threads)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentException($"GEMM dimensions must not be negative: m={m}, n={n}, k={k}");
        }
        CpuKernels.Require(kernel.Isa);
        CheckOperand("A", a.Length, transA ? k : m, transA ? m : k, lda);
        CheckOperand("B", b.Length, transB ? n : k, transB ? k : n, ldb);
        CheckOperand("C", c.Length, m, n, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }
        if (k == 0 || alpha == 0f)
        {
            ScaleC(c, m, n, ldc, beta);
            return;
        }
        fixed (float* pa = &MemoryMarshal.GetReference(a))
        fixed (float* pb = &MemoryMarshal.GetReference(b))
        fixed (float* pc = &MemoryMarshal.GetReference(c))
        {
            GemmDriver.Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, kernel, threads);
        }
    }

    /// <summary>The register kernel and blocking GEMM runs for <paramref name="isa"/>, e.g. "avx2 6x16 (KC 384, MC 144, NC 1024)".</summary>
    public static string KernelName(Isa isa) => GemmKernel.For(isa).ToString();

    /// <summary>C = A·B (+ C when accumulate) for tensors viewed as 2-D matrices.</summary>
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => Multiply(false, false, m, n, k, 1f, a, k, b, n, accumulate ? 1f : 0f, c, n);

    /// <summary>C = A·Bᵀ (+ C), A m×k, B n×k.</summary>
    public static void MatMulTransB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => Multiply(false, true, m, n, k, 1f, a, k, b, k, accumulate ? 1f : 0f, c, n);

    /// <summary>C = Aᵀ·B (+ C), A k×m, B k×n.</summary>
    public static void MatMulTransA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => Multiply(true, false, m, n, k, 1f, a, m, b, n, accumulate ? 1f : 0f, c, n);

    /// <summary>A stored rows×cols matrix with row stride ld must fit its span: ld ≥ cols and (rows−1)·ld + cols elements.</summary>
    private static void CheckOperand(string name, int length, int rows, int cols, int ld)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentException($"GEMM: leading dimension of {name} is {ld}, smaller than its {cols} columns");
        }
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
        {
            throw new ArgumentException($"GEMM: {name} is stored as {rows}×{cols} with stride {ld} and needs {needed} elements, but the span has {length}");
        }
    }

    private static void ScaleC(Span<float> c, int m, int n, int ldc, float beta)
    {
        for (int i = 0; i < m; i++)
        {
            Span<float> row = c.Slice(i * ldc, n);
            if (beta == 0f)
            {
                row.Clear();
            }
            else if (beta != 1f)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
            }
        }
    }
}
