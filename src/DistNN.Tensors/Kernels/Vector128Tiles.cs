using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistNN.Tensors.Kernels;

// Unrolled on purpose (generated shape, every accumulator a named local so the JIT keeps it in a register).
// Ã micro-panels are k-major with MR floats per step, B̃ micro-panels k-major with NR floats per step.
// Every tile computes C_tile = Ã·B̃ + beta·C_tile (alpha is folded into Ã when packing; beta 0 never reads C).

/// <summary>
/// Portable <see cref="Vector128"/> register tiles: SSE on x86, NEON on ARM64. The multiply-add is a type argument,
/// fused where the runtime has FMA and a multiply then an add where it does not (a fused call it lacks runs per lane).
/// </summary>
internal static unsafe class Vector128Tiles
{
    /// <summary>6×8 tile: 12 accumulators, two B vectors and one broadcast, fits 16 XMM (x86) as well as NEON's 32 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x8<T>(int kc, float* a, float* b, float* c, nint ldc, float beta)
        where T : struct, IMulAdd128
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
        Vector128<float> c00 = default; Vector128<float> c01 = default;
        Vector128<float> c10 = default; Vector128<float> c11 = default;
        Vector128<float> c20 = default; Vector128<float> c21 = default;
        Vector128<float> c30 = default; Vector128<float> c31 = default;
        Vector128<float> c40 = default; Vector128<float> c41 = default;
        Vector128<float> c50 = default; Vector128<float> c51 = default;
        int p = 0;
        for (; p + 4 <= kc; p += 4)
        {
            {
                Vector128<float> b0 = Vector128.Load(b + 0);
                Vector128<float> b1 = Vector128.Load(b + 4);
                Vector128<float> a0 = Vector128.Create(a[0]);
                c00 = T.MulAdd(a0, b0, c00);
                c01 = T.MulAdd(a0, b1, c01);
                Vector128<float> a1 = Vector128.Create(a[1]);
                c10 = T.MulAdd(a1, b0, c10);
                c11 = T.MulAdd(a1, b1, c11);
                Vector128<float> a2 = Vector128.Create(a[2]);
                c20 = T.MulAdd(a2, b0, c20);
                c21 = T.MulAdd(a2, b1, c21);
                Vector128<float> a3 = Vector128.Create(a[3]);
                c30 = T.MulAdd(a3, b0, c30);
                c31 = T.MulAdd(a3, b1, c31);
                Vector128<float> a4 = Vector128.Create(a[4]);
                c40 = T.MulAdd(a4, b0, c40);
                c41 = T.MulAdd(a4, b1, c41);
                Vector128<float> a5 = Vector128.Create(a[5]);
                c50 = T.MulAdd(a5, b0, c50);
                c51 = T.MulAdd(a5, b1, c51);
            }
            {
                Vector128<float> b0 = Vector128.Load(b + 8);
                Vector128<float> b1 = Vector128.Load(b + 12);
                Vector128<float> a0 = Vector128.Create(a[6]);
                c00 = T.MulAdd(a0, b0, c00);
                c01 = T.MulAdd(a0, b1, c01);
                Vector128<float> a1 = Vector128.Create(a[7]);
                c10 = T.MulAdd(a1, b0, c10);
                c11 = T.MulAdd(a1, b1, c11);
                Vector128<float> a2 = Vector128.Create(a[8]);
                c20 = T.MulAdd(a2, b0, c20);
                c21 = T.MulAdd(a2, b1, c21);
                Vector128<float> a3 = Vector128.Create(a[9]);
                c30 = T.MulAdd(a3, b0, c30);
                c31 = T.MulAdd(a3, b1, c31);
                Vector128<float> a4 = Vector128.Create(a[10]);
                c40 = T.MulAdd(a4, b0, c40);
                c41 = T.MulAdd(a4, b1, c41);
                Vector128<float> a5 = Vector128.Create(a[11]);
                c50 = T.MulAdd(a5, b0, c50);
                c51 = T.MulAdd(a5, b1, c51);
            }
            {
                Vector128<float> b0 = Vector128.Load(b + 16);
                Vector128<float> b1 = Vector128.Load(b + 20);
                Vector128<float> a0 = Vector128.Create(a[12]);
                c00 = T.MulAdd(a0, b0, c00);
                c01 = T.MulAdd(a0, b1, c01);
                Vector128<float> a1 = Vector128.Create(a[13]);
                c10 = T.MulAdd(a1, b0, c10);
                c11 = T.MulAdd(a1, b1, c11);
                Vector128<float> a2 = Vector128.Create(a[14]);
                c20 = T.MulAdd(a2, b0, c20);
                c21 = T.MulAdd(a2, b1, c21);
                Vector128<float> a3 = Vector128.Create(a[15]);
                c30 = T.MulAdd(a3, b0, c30);
                c31 = T.MulAdd(a3, b1, c31);
                Vector128<float> a4 = Vector128.Create(a[16]);
                c40 = T.MulAdd(a4, b0, c40);
                c41 = T.MulAdd(a4, b1, c41);
                Vector128<float> a5 = Vector128.Create(a[17]);
                c50 = T.MulAdd(a5, b0, c50);
                c51 = T.MulAdd(a5, b1, c51);
            }
            {
                Vector128<float> b0 = Vector128.Load(b + 24);
                Vector128<float> b1 = Vector128.Load(b + 28);
                Vector128<float> a0 = Vector128.Create(a[18]);
                c00 = T.MulAdd(a0, b0, c00);
                c01 = T.MulAdd(a0, b1, c01);
                Vector128<float> a1 = Vector128.Create(a[19]);
                c10 = T.MulAdd(a1, b0, c10);
                c11 = T.MulAdd(a1, b1, c11);
                Vector128<float> a2 = Vector128.Create(a[20]);
                c20 = T.MulAdd(a2, b0, c20);
                c21 = T.MulAdd(a2, b1, c21);
                Vector128<float> a3 = Vector128.Create(a[21]);
                c30 = T.MulAdd(a3, b0, c30);
                c31 = T.MulAdd(a3, b1, c31);
                Vector128<float> a4 = Vector128.Create(a[22]);
                c40 = T.MulAdd(a4, b0, c40);
                c41 = T.MulAdd(a4, b1, c41);
                Vector128<float> a5 = Vector128.Create(a[23]);
                c50 = T.MulAdd(a5, b0, c50);
                c51 = T.MulAdd(a5, b1, c51);
            }
            a += 24;
            b += 32;
        }
        for (; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> a0 = Vector128.Create(a[0]);
            c00 = T.MulAdd(a0, b0, c00);
            c01 = T.MulAdd(a0, b1, c01);
            Vector128<float> a1 = Vector128.Create(a[1]);
            c10 = T.MulAdd(a1, b0, c10);
            c11 = T.MulAdd(a1, b1, c11);
            Vector128<float> a2 = Vector128.Create(a[2]);
            c20 = T.MulAdd(a2, b0, c20);
            c21 = T.MulAdd(a2, b1, c21);
            Vector128<float> a3 = Vector128.Create(a[3]);
            c30 = T.MulAdd(a3, b0, c30);
            c31 = T.MulAdd(a3, b1, c31);
            Vector128<float> a4 = Vector128.Create(a[4]);
            c40 = T.MulAdd(a4, b0, c40);
            c41 = T.MulAdd(a4, b1, c41);
            Vector128<float> a5 = Vector128.Create(a[5]);
            c50 = T.MulAdd(a5, b0, c50);
            c51 = T.MulAdd(a5, b1, c51);
            a += 6;
            b += 8;
        }
        if (beta == 0f)
        {
            float* c0p = c + 0 * ldc;
            c00.Store(c0p + 0);
            c01.Store(c0p + 4);
            float* c1p = c + 1 * ldc;
            c10.Store(c1p + 0);
            c11.Store(c1p + 4);
            float* c2p = c + 2 * ldc;
            c20.Store(c2p + 0);
            c21.Store(c2p + 4);
            float* c3p = c + 3 * ldc;
            c30.Store(c3p + 0);
            c31.Store(c3p + 4);
            float* c4p = c + 4 * ldc;
            c40.Store(c4p + 0);
            c41.Store(c4p + 4);
            float* c5p = c + 5 * ldc;
            c50.Store(c5p + 0);
            c51.Store(c5p + 4);
        }
        else
        {
            Vector128<float> vb = Vector128.Create(beta);
            float* c0p = c + 0 * ldc;
            T.MulAdd(vb, Vector128.Load(c0p + 0), c00).Store(c0p + 0);
            T.MulAdd(vb, Vector128.Load(c0p + 4), c01).Store(c0p + 4);
            float* c1p = c + 1 * ldc;
            T.MulAdd(vb, Vector128.Load(c1p + 0), c10).Store(c1p + 0);
            T.MulAdd(vb, Vector128.Load(c1p + 4), c11).Store(c1p + 4);
            float* c2p = c + 2 * ldc;
            T.MulAdd(vb, Vector128.Load(c2p + 0), c20).Store(c2p + 0);
            T.MulAdd(vb, Vector128.Load(c2p + 4), c21).Store(c2p + 4);
            float* c3p = c + 3 * ldc;
            T.MulAdd(vb, Vector128.Load(c3p + 0), c30).Store(c3p + 0);
            T.MulAdd(vb, Vector128.Load(c3p + 4), c31).Store(c3p + 4);
            float* c4p = c + 4 * ldc;
            T.MulAdd(vb, Vector128.Load(c4p + 0), c40).Store(c4p + 0);
            T.MulAdd(vb, Vector128.Load(c4p + 4), c41).Store(c4p + 4);
            float* c5p = c + 5 * ldc;
            T.MulAdd(vb, Vector128.Load(c5p + 0), c50).Store(c5p + 0);
            T.MulAdd(vb, Vector128.Load(c5p + 4), c51).Store(c5p + 4);
        }
    }

    /// <summary>8×12 tile: 24 accumulators, three B vectors and one broadcast, for NEON's 32 registers (spills on x86's 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile8x12<T>(int kc, float* a, float* b, float* c, nint ldc, float beta)
        where T : struct, IMulAdd128
    {
        Vector128<float> c00 = default; Vector128<float> c01 = default; Vector128<float> c02 = default;
        Vector128<float> c10 = default; Vector128<float> c11 = default; Vector128<float> c12 = default;
        Vector128<float> c20 = default; Vector128<float> c21 = default; Vector128<float> c22 = default;
        Vector128<float> c30 = default; Vector128<float> c31 = default; Vector128<float> c32 = default;
        Vector128<float> c40 = default; Vector128<float> c41 = default; Vector128<float> c42 = default;
        Vector128<float> c50 = default; Vector128<float> c51 = default; Vector128<float> c52 = default;
        Vector128<float> c60 = default; Vector128<float> c61 = default; Vector128<float> c62 = default;
        Vector128<float> c70 = default; Vector128<float> c71 = default; Vector128<float> c72 = default;
        int p = 0;
        for (; p + 2 <= kc; p += 2)
        {
            {
                Vector128<float> b0 = Vector128.Load(b + 0);
                Vector128<float> b1 = Vector128.Load(b + 4);
                Vector128<float> b2 = Vector128.Load(b + 8);
                Vector128<float> a0 = Vector128.Create(a[0]);
                c00 = T.MulAdd(a0, b0, c00);
                c01 = T.MulAdd(a0, b1, c01);
                c02 = T.MulAdd(a0, b2, c02);
                Vector128<float> a1 = Vector128.Create(a[1]);
                c10 = T.MulAdd(a1, b0, c10);
                c11 = T.MulAdd(a1, b1, c11);
                c12 = T.MulAdd(a1, b2, c12);
                Vector128<float> a2 = Vector128.Create(a[2]);
                c20 = T.MulAdd(a2, b0, c20);
                c21 = T.MulAdd(a2, b1, c21);
                c22 = T.MulAdd(a2, b2, c22);
                Vector128<float> a3 = Vector128.Create(a[3]);
                c30 = T.MulAdd(a3, b0, c30);
                c31 = T.MulAdd(a3, b1, c31);
                c32 = T.MulAdd(a3, b2, c32);
                Vector128<float> a4 = Vector128.Create(a[4]);
                c40 = T.MulAdd(a4, b0, c40);
                c41 = T.MulAdd(a4, b1, c41);
                c42 = T.MulAdd(a4, b2, c42);
                Vector128<float> a5 = Vector128.Create(a[5]);
                c50 = T.MulAdd(a5, b0, c50);
                c51 = T.MulAdd(a5, b1, c51);
                c52 = T.MulAdd(a5, b2, c52);
                Vector128<float> a6 = Vector128.Create(a[6]);
                c60 = T.MulAdd(a6, b0, c60);
                c61 = T.MulAdd(a6, b1, c61);
                c62 = T.MulAdd(a6, b2, c62);
                Vector128<float> a7 = Vector128.Create(a[7]);
                c70 = T.MulAdd(a7, b0, c70);
                c71 = T.MulAdd(a7, b1, c71);
                c72 = T.MulAdd(a7, b2, c72);
            }
            {
                Vector128<float> b0 = Vector128.Load(b + 12);
                Vector128<float> b1 = Vector128.Load(b + 16);
                Vector128<float> b2 = Vector128.Load(b + 20);
                Vector128<float> a0 = Vector128.Create(a[8]);
                c00 = T.MulAdd(a0, b0, c00);
                c01 = T.MulAdd(a0, b1, c01);
                c02 = T.MulAdd(a0, b2, c02);
                Vector128<float> a1 = Vector128.Create(a[9]);
                c10 = T.MulAdd(a1, b0, c10);
                c11 = T.MulAdd(a1, b1, c11);
                c12 = T.MulAdd(a1, b2, c12);
                Vector128<float> a2 = Vector128.Create(a[10]);
                c20 = T.MulAdd(a2, b0, c20);
                c21 = T.MulAdd(a2, b1, c21);
                c22 = T.MulAdd(a2, b2, c22);
                Vector128<float> a3 = Vector128.Create(a[11]);
                c30 = T.MulAdd(a3, b0, c30);
                c31 = T.MulAdd(a3, b1, c31);
                c32 = T.MulAdd(a3, b2, c32);
                Vector128<float> a4 = Vector128.Create(a[12]);
                c40 = T.MulAdd(a4, b0, c40);
                c41 = T.MulAdd(a4, b1, c41);
                c42 = T.MulAdd(a4, b2, c42);
                Vector128<float> a5 = Vector128.Create(a[13]);
                c50 = T.MulAdd(a5, b0, c50);
                c51 = T.MulAdd(a5, b1, c51);
                c52 = T.MulAdd(a5, b2, c52);
                Vector128<float> a6 = Vector128.Create(a[14]);
                c60 = T.MulAdd(a6, b0, c60);
                c61 = T.MulAdd(a6, b1, c61);
                c62 = T.MulAdd(a6, b2, c62);
                Vector128<float> a7 = Vector128.Create(a[15]);
                c70 = T.MulAdd(a7, b0, c70);
                c71 = T.MulAdd(a7, b1, c71);
                c72 = T.MulAdd(a7, b2, c72);
            }
            a += 16;
            b += 24;
        }
        for (; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b + 0);
            Vector128<float> b1 = Vector128.Load(b + 4);
            Vector128<float> b2 = Vector128.Load(b + 8);
            Vector128<float> a0 = Vector128.Create(a[0]);
            c00 = T.MulAdd(a0, b0, c00);
            c01 = T.MulAdd(a0, b1, c01);
            c02 = T.MulAdd(a0, b2, c02);
            Vector128<float> a1 = Vector128.Create(a[1]);
            c10 = T.MulAdd(a1, b0, c10);
            c11 = T.MulAdd(a1, b1, c11);
            c12 = T.MulAdd(a1, b2, c12);
            Vector128<float> a2 = Vector128.Create(a[2]);
            c20 = T.MulAdd(a2, b0, c20);
            c21 = T.MulAdd(a2, b1, c21);
            c22 = T.MulAdd(a2, b2, c22);
            Vector128<float> a3 = Vector128.Create(a[3]);
            c30 = T.MulAdd(a3, b0, c30);
            c31 = T.MulAdd(a3, b1, c31);
            c32 = T.MulAdd(a3, b2, c32);
            Vector128<float> a4 = Vector128.Create(a[4]);
            c40 = T.MulAdd(a4, b0, c40);
            c41 = T.MulAdd(a4, b1, c41);
            c42 = T.MulAdd(a4, b2, c42);
            Vector128<float> a5 = Vector128.Create(a[5]);
            c50 = T.MulAdd(a5, b0, c50);
            c51 = T.MulAdd(a5, b1, c51);
            c52 = T.MulAdd(a5, b2, c52);
            Vector128<float> a6 = Vector128.Create(a[6]);
            c60 = T.MulAdd(a6, b0, c60);
            c61 = T.MulAdd(a6, b1, c61);
            c62 = T.MulAdd(a6, b2, c62);
            Vector128<float> a7 = Vector128.Create(a[7]);
            c70 = T.MulAdd(a7, b0, c70);
            c71 = T.MulAdd(a7, b1, c71);
            c72 = T.MulAdd(a7, b2, c72);
            a += 8;
            b += 12;
        }
        if (beta == 0f)
        {
            float* c0p = c + 0 * ldc;
            c00.Store(c0p + 0);
            c01.Store(c0p + 4);
            c02.Store(c0p + 8);
            float* c1p = c + 1 * ldc;
            c10.Store(c1p + 0);
            c11.Store(c1p + 4);
            c12.Store(c1p + 8);
            float* c2p = c + 2 * ldc;
            c20.Store(c2p + 0);
            c21.Store(c2p + 4);
            c22.Store(c2p + 8);
            float* c3p = c + 3 * ldc;
            c30.Store(c3p + 0);
            c31.Store(c3p + 4);
            c32.Store(c3p + 8);
            float* c4p = c + 4 * ldc;
            c40.Store(c4p + 0);
            c41.Store(c4p + 4);
            c42.Store(c4p + 8);
            float* c5p = c + 5 * ldc;
            c50.Store(c5p + 0);
            c51.Store(c5p + 4);
            c52.Store(c5p + 8);
            float* c6p = c + 6 * ldc;
            c60.Store(c6p + 0);
            c61.Store(c6p + 4);
            c62.Store(c6p + 8);
            float* c7p = c + 7 * ldc;
            c70.Store(c7p + 0);
            c71.Store(c7p + 4);
            c72.Store(c7p + 8);
        }
        else
        {
            Vector128<float> vb = Vector128.Create(beta);
            float* c0p = c + 0 * ldc;
            T.MulAdd(vb, Vector128.Load(c0p + 0), c00).Store(c0p + 0);
            T.MulAdd(vb, Vector128.Load(c0p + 4), c01).Store(c0p + 4);
            T.MulAdd(vb, Vector128.Load(c0p + 8), c02).Store(c0p + 8);
            float* c1p = c + 1 * ldc;
            T.MulAdd(vb, Vector128.Load(c1p + 0), c10).Store(c1p + 0);
            T.MulAdd(vb, Vector128.Load(c1p + 4), c11).Store(c1p + 4);
            T.MulAdd(vb, Vector128.Load(c1p + 8), c12).Store(c1p + 8);
            float* c2p = c + 2 * ldc;
            T.MulAdd(vb, Vector128.Load(c2p + 0), c20).Store(c2p + 0);
            T.MulAdd(vb, Vector128.Load(c2p + 4), c21).Store(c2p + 4);
            T.MulAdd(vb, Vector128.Load(c2p + 8), c22).Store(c2p + 8);
            float* c3p = c + 3 * ldc;
            T.MulAdd(vb, Vector128.Load(c3p + 0), c30).Store(c3p + 0);
            T.MulAdd(vb, Vector128.Load(c3p + 4), c31).Store(c3p + 4);
            T.MulAdd(vb, Vector128.Load(c3p + 8), c32).Store(c3p + 8);
            float* c4p = c + 4 * ldc;
            T.MulAdd(vb, Vector128.Load(c4p + 0), c40).Store(c4p + 0);
            T.MulAdd(vb, Vector128.Load(c4p + 4), c41).Store(c4p + 4);
            T.MulAdd(vb, Vector128.Load(c4p + 8), c42).Store(c4p + 8);
            float* c5p = c + 5 * ldc;
            T.MulAdd(vb, Vector128.Load(c5p + 0), c50).Store(c5p + 0);
            T.MulAdd(vb, Vector128.Load(c5p + 4), c51).Store(c5p + 4);
            T.MulAdd(vb, Vector128.Load(c5p + 8), c52).Store(c5p + 8);
            float* c6p = c + 6 * ldc;
            T.MulAdd(vb, Vector128.Load(c6p + 0), c60).Store(c6p + 0);
            T.MulAdd(vb, Vector128.Load(c6p + 4), c61).Store(c6p + 4);
            T.MulAdd(vb, Vector128.Load(c6p + 8), c62).Store(c6p + 8);
            float* c7p = c + 7 * ldc;
            T.MulAdd(vb, Vector128.Load(c7p + 0), c70).Store(c7p + 0);
            T.MulAdd(vb, Vector128.Load(c7p + 4), c71).Store(c7p + 4);
            T.MulAdd(vb, Vector128.Load(c7p + 8), c72).Store(c7p + 8);
        }
    }
}
