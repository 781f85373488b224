using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistNN.Tensors.Kernels;

// Unrolled on purpose (generated shape, every accumulator a named local so the JIT keeps it in a register).
// Ã micro-panels are k-major with MR floats per step, B̃ micro-panels k-major with NR floats per step.
// Every tile computes C_tile = Ã·B̃ + beta·C_tile (alpha is folded into Ã when packing; beta 0 never reads C).

/// <summary>AVX2 + FMA register tiles (Vector256, 16 YMM registers): no tile holds more accumulators than fit.</summary>
internal static unsafe class Avx2Tiles
{
    /// <summary>6×16 tile: 12 accumulators, two B vectors and one broadcast in the 16 YMM registers; k unrolled by 4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x16(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        if (Sse.IsSupported)
        {
            // Bring the C tile towards L1 while the k loop runs; its rows are written (and maybe read) at the end.
            Sse.Prefetch0(c + 0 * ldc);
            Sse.Prefetch0(c + 0 * ldc + 15);
            Sse.Prefetch0(c + 1 * ldc);
            Sse.Prefetch0(c + 1 * ldc + 15);
            Sse.Prefetch0(c + 2 * ldc);
            Sse.Prefetch0(c + 2 * ldc + 15);
            Sse.Prefetch0(c + 3 * ldc);
            Sse.Prefetch0(c + 3 * ldc + 15);
            Sse.Prefetch0(c + 4 * ldc);
            Sse.Prefetch0(c + 4 * ldc + 15);
            Sse.Prefetch0(c + 5 * ldc);
            Sse.Prefetch0(c + 5 * ldc + 15);
        }
        Vector256<float> c00 = default; Vector256<float> c01 = default;
        Vector256<float> c10 = default; Vector256<float> c11 = default;
        Vector256<float> c20 = default; Vector256<float> c21 = default;
        Vector256<float> c30 = default; Vector256<float> c31 = default;
        Vector256<float> c40 = default; Vector256<float> c41 = default;
        Vector256<float> c50 = default; Vector256<float> c51 = default;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            {
                Vector256<float> b0 = Vector256.Load(b + 0);
                Vector256<float> b1 = Vector256.Load(b + 8);
                Vector256<float> a0 = Vector256.Create(a[0]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                Vector256<float> a1 = Vector256.Create(a[1]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                Vector256<float> a2 = Vector256.Create(a[2]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                Vector256<float> a3 = Vector256.Create(a[3]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                Vector256<float> a4 = Vector256.Create(a[4]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
                Vector256<float> a5 = Vector256.Create(a[5]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 16);
                Vector256<float> b1 = Vector256.Load(b + 24);
                Vector256<float> a0 = Vector256.Create(a[6]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                Vector256<float> a1 = Vector256.Create(a[7]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                Vector256<float> a2 = Vector256.Create(a[8]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                Vector256<float> a3 = Vector256.Create(a[9]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                Vector256<float> a4 = Vector256.Create(a[10]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
                Vector256<float> a5 = Vector256.Create(a[11]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 32);
                Vector256<float> b1 = Vector256.Load(b + 40);
                Vector256<float> a0 = Vector256.Create(a[12]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                Vector256<float> a1 = Vector256.Create(a[13]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                Vector256<float> a2 = Vector256.Create(a[14]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                Vector256<float> a3 = Vector256.Create(a[15]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                Vector256<float> a4 = Vector256.Create(a[16]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
                Vector256<float> a5 = Vector256.Create(a[17]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 48);
                Vector256<float> b1 = Vector256.Load(b + 56);
                Vector256<float> a0 = Vector256.Create(a[18]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                Vector256<float> a1 = Vector256.Create(a[19]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                Vector256<float> a2 = Vector256.Create(a[20]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                Vector256<float> a3 = Vector256.Create(a[21]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                Vector256<float> a4 = Vector256.Create(a[22]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
                Vector256<float> a5 = Vector256.Create(a[23]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
                c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            }
            a += 24;
            b += 64;
        }
        for (; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            a += 6;
            b += 16;
        }
        if (beta == 0f)
        {
            float* c0p = c + 0 * ldc;
            c00.Store(c0p + 0);
            c01.Store(c0p + 8);
            float* c1p = c + 1 * ldc;
            c10.Store(c1p + 0);
            c11.Store(c1p + 8);
            float* c2p = c + 2 * ldc;
            c20.Store(c2p + 0);
            c21.Store(c2p + 8);
            float* c3p = c + 3 * ldc;
            c30.Store(c3p + 0);
            c31.Store(c3p + 8);
            float* c4p = c + 4 * ldc;
            c40.Store(c4p + 0);
            c41.Store(c4p + 8);
            float* c5p = c + 5 * ldc;
            c50.Store(c5p + 0);
            c51.Store(c5p + 8);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            float* c0p = c + 0 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 0), c00).Store(c0p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 8), c01).Store(c0p + 8);
            float* c1p = c + 1 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 0), c10).Store(c1p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 8), c11).Store(c1p + 8);
            float* c2p = c + 2 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 0), c20).Store(c2p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 8), c21).Store(c2p + 8);
            float* c3p = c + 3 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 0), c30).Store(c3p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 8), c31).Store(c3p + 8);
            float* c4p = c + 4 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c4p + 0), c40).Store(c4p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c4p + 8), c41).Store(c4p + 8);
            float* c5p = c + 5 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c5p + 0), c50).Store(c5p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c5p + 8), c51).Store(c5p + 8);
        }
    }

    /// <summary>6×8 tile over the first half of a 16-wide panel: C no wider than 8 columns, or its last 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x8(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        if (Sse.IsSupported)
        {
            // Bring the C tile towards L1 while the k loop runs; its rows are written (and maybe read) at the end.
            Sse.Prefetch0(c + 0 * ldc);
            Sse.Prefetch0(c + 0 * ldc + 7);
            Sse.Prefetch0(c + 1 * ldc);
            Sse.Prefetch0(c + 1 * ldc + 7);
            Sse.Prefetch0(c + 2 * ldc);
            Sse.Prefetch0(c + 2 * ldc + 7);
            Sse.Prefetch0(c + 3 * ldc);
            Sse.Prefetch0(c + 3 * ldc + 7);
            Sse.Prefetch0(c + 4 * ldc);
            Sse.Prefetch0(c + 4 * ldc + 7);
            Sse.Prefetch0(c + 5 * ldc);
            Sse.Prefetch0(c + 5 * ldc + 7);
        }
        Vector256<float> c00 = default;
        Vector256<float> c10 = default;
        Vector256<float> c20 = default;
        Vector256<float> c30 = default;
        Vector256<float> c40 = default;
        Vector256<float> c50 = default;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            {
                Vector256<float> b0 = Vector256.Load(b + 0);
                Vector256<float> a0 = Vector256.Create(a[0]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                Vector256<float> a1 = Vector256.Create(a[1]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                Vector256<float> a2 = Vector256.Create(a[2]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                Vector256<float> a3 = Vector256.Create(a[3]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                Vector256<float> a4 = Vector256.Create(a[4]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                Vector256<float> a5 = Vector256.Create(a[5]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 16);
                Vector256<float> a0 = Vector256.Create(a[6]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                Vector256<float> a1 = Vector256.Create(a[7]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                Vector256<float> a2 = Vector256.Create(a[8]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                Vector256<float> a3 = Vector256.Create(a[9]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                Vector256<float> a4 = Vector256.Create(a[10]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                Vector256<float> a5 = Vector256.Create(a[11]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 32);
                Vector256<float> a0 = Vector256.Create(a[12]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                Vector256<float> a1 = Vector256.Create(a[13]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                Vector256<float> a2 = Vector256.Create(a[14]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                Vector256<float> a3 = Vector256.Create(a[15]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                Vector256<float> a4 = Vector256.Create(a[16]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                Vector256<float> a5 = Vector256.Create(a[17]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 48);
                Vector256<float> a0 = Vector256.Create(a[18]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                Vector256<float> a1 = Vector256.Create(a[19]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                Vector256<float> a2 = Vector256.Create(a[20]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                Vector256<float> a3 = Vector256.Create(a[21]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                Vector256<float> a4 = Vector256.Create(a[22]);
                c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
                Vector256<float> a5 = Vector256.Create(a[23]);
                c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            }
            a += 24;
            b += 64;
        }
        for (; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            a += 6;
            b += 16;
        }
        if (beta == 0f)
        {
            float* c0p = c + 0 * ldc;
            c00.Store(c0p + 0);
            float* c1p = c + 1 * ldc;
            c10.Store(c1p + 0);
            float* c2p = c + 2 * ldc;
            c20.Store(c2p + 0);
            float* c3p = c + 3 * ldc;
            c30.Store(c3p + 0);
            float* c4p = c + 4 * ldc;
            c40.Store(c4p + 0);
            float* c5p = c + 5 * ldc;
            c50.Store(c5p + 0);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            float* c0p = c + 0 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 0), c00).Store(c0p + 0);
            float* c1p = c + 1 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 0), c10).Store(c1p + 0);
            float* c2p = c + 2 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 0), c20).Store(c2p + 0);
            float* c3p = c + 3 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 0), c30).Store(c3p + 0);
            float* c4p = c + 4 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c4p + 0), c40).Store(c4p + 0);
            float* c5p = c + 5 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c5p + 0), c50).Store(c5p + 0);
        }
    }

    /// <summary>4×24 tile: 12 accumulators, three B vectors and one broadcast; the alternative shape to 6×16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4x24(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        if (Sse.IsSupported)
        {
            // Bring the C tile towards L1 while the k loop runs; its rows are written (and maybe read) at the end.
            Sse.Prefetch0(c + 0 * ldc);
            Sse.Prefetch0(c + 0 * ldc + 23);
            Sse.Prefetch0(c + 1 * ldc);
            Sse.Prefetch0(c + 1 * ldc + 23);
            Sse.Prefetch0(c + 2 * ldc);
            Sse.Prefetch0(c + 2 * ldc + 23);
            Sse.Prefetch0(c + 3 * ldc);
            Sse.Prefetch0(c + 3 * ldc + 23);
        }
        Vector256<float> c00 = default; Vector256<float> c01 = default; Vector256<float> c02 = default;
        Vector256<float> c10 = default; Vector256<float> c11 = default; Vector256<float> c12 = default;
        Vector256<float> c20 = default; Vector256<float> c21 = default; Vector256<float> c22 = default;
        Vector256<float> c30 = default; Vector256<float> c31 = default; Vector256<float> c32 = default;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            {
                Vector256<float> b0 = Vector256.Load(b + 0);
                Vector256<float> b1 = Vector256.Load(b + 8);
                Vector256<float> b2 = Vector256.Load(b + 16);
                Vector256<float> a0 = Vector256.Create(a[0]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
                Vector256<float> a1 = Vector256.Create(a[1]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
                Vector256<float> a2 = Vector256.Create(a[2]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
                Vector256<float> a3 = Vector256.Create(a[3]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                c32 = Vector256.FusedMultiplyAdd(a3, b2, c32);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 24);
                Vector256<float> b1 = Vector256.Load(b + 32);
                Vector256<float> b2 = Vector256.Load(b + 40);
                Vector256<float> a0 = Vector256.Create(a[4]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
                Vector256<float> a1 = Vector256.Create(a[5]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
                Vector256<float> a2 = Vector256.Create(a[6]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
                Vector256<float> a3 = Vector256.Create(a[7]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                c32 = Vector256.FusedMultiplyAdd(a3, b2, c32);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 48);
                Vector256<float> b1 = Vector256.Load(b + 56);
                Vector256<float> b2 = Vector256.Load(b + 64);
                Vector256<float> a0 = Vector256.Create(a[8]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
                Vector256<float> a1 = Vector256.Create(a[9]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
                Vector256<float> a2 = Vector256.Create(a[10]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
                Vector256<float> a3 = Vector256.Create(a[11]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                c32 = Vector256.FusedMultiplyAdd(a3, b2, c32);
            }
            {
                Vector256<float> b0 = Vector256.Load(b + 72);
                Vector256<float> b1 = Vector256.Load(b + 80);
                Vector256<float> b2 = Vector256.Load(b + 88);
                Vector256<float> a0 = Vector256.Create(a[12]);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
                c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
                c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
                Vector256<float> a1 = Vector256.Create(a[13]);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
                c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
                c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
                Vector256<float> a2 = Vector256.Create(a[14]);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
                c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
                c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
                Vector256<float> a3 = Vector256.Create(a[15]);
                c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
                c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
                c32 = Vector256.FusedMultiplyAdd(a3, b2, c32);
            }
            a += 16;
            b += 96;
        }
        for (; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> b2 = Vector256.Load(b + 16);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            c32 = Vector256.FusedMultiplyAdd(a3, b2, c32);
            a += 4;
            b += 24;
        }
        if (beta == 0f)
        {
            float* c0p = c + 0 * ldc;
            c00.Store(c0p + 0);
            c01.Store(c0p + 8);
            c02.Store(c0p + 16);
            float* c1p = c + 1 * ldc;
            c10.Store(c1p + 0);
            c11.Store(c1p + 8);
            c12.Store(c1p + 16);
            float* c2p = c + 2 * ldc;
            c20.Store(c2p + 0);
            c21.Store(c2p + 8);
            c22.Store(c2p + 16);
            float* c3p = c + 3 * ldc;
            c30.Store(c3p + 0);
            c31.Store(c3p + 8);
            c32.Store(c3p + 16);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            float* c0p = c + 0 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 0), c00).Store(c0p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 8), c01).Store(c0p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 16), c02).Store(c0p + 16);
            float* c1p = c + 1 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 0), c10).Store(c1p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 8), c11).Store(c1p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 16), c12).Store(c1p + 16);
            float* c2p = c + 2 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 0), c20).Store(c2p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 8), c21).Store(c2p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 16), c22).Store(c2p + 16);
            float* c3p = c + 3 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 0), c30).Store(c3p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 8), c31).Store(c3p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 16), c32).Store(c3p + 16);
        }
    }
}
