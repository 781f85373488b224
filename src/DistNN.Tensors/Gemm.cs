namespace DistNN.Tensors;

/// <summary>
/// Single-precision general matrix multiply on row-major matrices:
/// C = alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ.
/// op(A) is m×k, op(B) is k×n, C is m×n; lda, ldb, ldc are row strides.
/// </summary>
public static class Gemm
{
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmReference.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>C = A·B (+ C when accumulate) for tensors viewed as 2-D matrices.</summary>
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => Multiply(false, false, m, n, k, 1f, a, k, b, n, accumulate ? 1f : 0f, c, n);

    /// <summary>C = A·Bᵀ (+ C), A m×k, B n×k.</summary>
    public static void MatMulTransB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => Multiply(false, true, m, n, k, 1f, a, k, b, k, accumulate ? 1f : 0f, c, n);

    /// <summary>C = Aᵀ·B (+ C), A k×m, B k×n.</summary>
    public static void MatMulTransA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
        => Multiply(true, false, m, n, k, 1f, a, m, b, n, accumulate ? 1f : 0f, c, n);
}
