using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Tensors.Kernels;

// Unrolled on purpose: 6 rows × (4 × 16) or (4 × 8) columns, 24 accumulators held in registers.
// A micro-panel is k-major with MR floats per step; a B micro-panel is k-major with NR floats per step.
// Every kernel computes C_tile = Ã·B̃ + beta·C_tile (alpha is folded into Ã when packing; beta 0 never reads C).

/// <summary>SIMD register-tile kernels: the inner loop of the GEMM.</summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>6×64 tile with Vector512 (AVX-512) FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector512Tile(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        Vector512<float> c00 = default; Vector512<float> c01 = default; Vector512<float> c02 = default; Vector512<float> c03 = default;
        Vector512<float> c10 = default; Vector512<float> c11 = default; Vector512<float> c12 = default; Vector512<float> c13 = default;
        Vector512<float> c20 = default; Vector512<float> c21 = default; Vector512<float> c22 = default; Vector512<float> c23 = default;
        Vector512<float> c30 = default; Vector512<float> c31 = default; Vector512<float> c32 = default; Vector512<float> c33 = default;
        Vector512<float> c40 = default; Vector512<float> c41 = default; Vector512<float> c42 = default; Vector512<float> c43 = default;
        Vector512<float> c50 = default; Vector512<float> c51 = default; Vector512<float> c52 = default; Vector512<float> c53 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> b2 = Vector512.Load(b + 32);
            Vector512<float> b3 = Vector512.Load(b + 48);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            c02 = Vector512.FusedMultiplyAdd(a0, b2, c02);
            c03 = Vector512.FusedMultiplyAdd(a0, b3, c03);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            c12 = Vector512.FusedMultiplyAdd(a1, b2, c12);
            c13 = Vector512.FusedMultiplyAdd(a1, b3, c13);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            c22 = Vector512.FusedMultiplyAdd(a2, b2, c22);
            c23 = Vector512.FusedMultiplyAdd(a2, b3, c23);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            c32 = Vector512.FusedMultiplyAdd(a3, b2, c32);
            c33 = Vector512.FusedMultiplyAdd(a3, b3, c33);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            c42 = Vector512.FusedMultiplyAdd(a4, b2, c42);
            c43 = Vector512.FusedMultiplyAdd(a4, b3, c43);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            c52 = Vector512.FusedMultiplyAdd(a5, b2, c52);
            c53 = Vector512.FusedMultiplyAdd(a5, b3, c53);
            a += GemmBlocking.MR;
            b += GemmBlocking.NR;
        }
        if (beta == 0f)
        {
            float* c0p = c;
            c00.Store(c0p + 0);
            c01.Store(c0p + 16);
            c02.Store(c0p + 32);
            c03.Store(c0p + 48);
            float* c1p = c + 1 * ldc;
            c10.Store(c1p + 0);
            c11.Store(c1p + 16);
            c12.Store(c1p + 32);
            c13.Store(c1p + 48);
            float* c2p = c + 2 * ldc;
            c20.Store(c2p + 0);
            c21.Store(c2p + 16);
            c22.Store(c2p + 32);
            c23.Store(c2p + 48);
            float* c3p = c + 3 * ldc;
            c30.Store(c3p + 0);
            c31.Store(c3p + 16);
            c32.Store(c3p + 32);
            c33.Store(c3p + 48);
            float* c4p = c + 4 * ldc;
            c40.Store(c4p + 0);
            c41.Store(c4p + 16);
            c42.Store(c4p + 32);
            c43.Store(c4p + 48);
            float* c5p = c + 5 * ldc;
            c50.Store(c5p + 0);
            c51.Store(c5p + 16);
            c52.Store(c5p + 32);
            c53.Store(c5p + 48);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            float* c0p = c;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c0p + 0), c00).Store(c0p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c0p + 16), c01).Store(c0p + 16);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c0p + 32), c02).Store(c0p + 32);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c0p + 48), c03).Store(c0p + 48);
            float* c1p = c + 1 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c1p + 0), c10).Store(c1p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c1p + 16), c11).Store(c1p + 16);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c1p + 32), c12).Store(c1p + 32);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c1p + 48), c13).Store(c1p + 48);
            float* c2p = c + 2 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c2p + 0), c20).Store(c2p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c2p + 16), c21).Store(c2p + 16);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c2p + 32), c22).Store(c2p + 32);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c2p + 48), c23).Store(c2p + 48);
            float* c3p = c + 3 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c3p + 0), c30).Store(c3p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c3p + 16), c31).Store(c3p + 16);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c3p + 32), c32).Store(c3p + 32);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c3p + 48), c33).Store(c3p + 48);
            float* c4p = c + 4 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c4p + 0), c40).Store(c4p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c4p + 16), c41).Store(c4p + 16);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c4p + 32), c42).Store(c4p + 32);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c4p + 48), c43).Store(c4p + 48);
            float* c5p = c + 5 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c5p + 0), c50).Store(c5p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c5p + 16), c51).Store(c5p + 16);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c5p + 32), c52).Store(c5p + 32);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c5p + 48), c53).Store(c5p + 48);
        }
    }

    /// <summary>6×32 tile with Vector512 FMAs over the first half of a 64-wide panel: narrow matrices and edge panels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector512HalfTile(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        Vector512<float> c00 = default; Vector512<float> c01 = default;
        Vector512<float> c10 = default; Vector512<float> c11 = default;
        Vector512<float> c20 = default; Vector512<float> c21 = default;
        Vector512<float> c30 = default; Vector512<float> c31 = default;
        Vector512<float> c40 = default; Vector512<float> c41 = default;
        Vector512<float> c50 = default; Vector512<float> c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a2, b1, c21);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a3, b1, c31);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a4, b1, c41);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a5, b1, c51);
            a += GemmBlocking.MR;
            b += GemmBlocking.NR;
        }
        if (beta == 0f)
        {
            float* c0p = c;
            c00.Store(c0p + 0);
            c01.Store(c0p + 16);
            float* c1p = c + 1 * ldc;
            c10.Store(c1p + 0);
            c11.Store(c1p + 16);
            float* c2p = c + 2 * ldc;
            c20.Store(c2p + 0);
            c21.Store(c2p + 16);
            float* c3p = c + 3 * ldc;
            c30.Store(c3p + 0);
            c31.Store(c3p + 16);
            float* c4p = c + 4 * ldc;
            c40.Store(c4p + 0);
            c41.Store(c4p + 16);
            float* c5p = c + 5 * ldc;
            c50.Store(c5p + 0);
            c51.Store(c5p + 16);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            float* c0p = c;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c0p + 0), c00).Store(c0p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c0p + 16), c01).Store(c0p + 16);
            float* c1p = c + 1 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c1p + 0), c10).Store(c1p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c1p + 16), c11).Store(c1p + 16);
            float* c2p = c + 2 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c2p + 0), c20).Store(c2p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c2p + 16), c21).Store(c2p + 16);
            float* c3p = c + 3 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c3p + 0), c30).Store(c3p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c3p + 16), c31).Store(c3p + 16);
            float* c4p = c + 4 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c4p + 0), c40).Store(c4p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c4p + 16), c41).Store(c4p + 16);
            float* c5p = c + 5 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c5p + 0), c50).Store(c5p + 0);
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c5p + 16), c51).Store(c5p + 16);
        }
    }

    /// <summary>6×16 tile with Vector512 FMAs over the first quarter of a 64-wide panel: very narrow matrices (a 10-class output layer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector512QuarterTile(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        Vector512<float> c00 = default;
        Vector512<float> c10 = default;
        Vector512<float> c20 = default;
        Vector512<float> c30 = default;
        Vector512<float> c40 = default;
        Vector512<float> c50 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0);
            Vector512<float> a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00);
            Vector512<float> a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10);
            Vector512<float> a2 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a2, b0, c20);
            Vector512<float> a3 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a3, b0, c30);
            Vector512<float> a4 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a4, b0, c40);
            Vector512<float> a5 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a5, b0, c50);
            a += GemmBlocking.MR;
            b += GemmBlocking.NR;
        }
        if (beta == 0f)
        {
            float* c0p = c;
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
            Vector512<float> vb = Vector512.Create(beta);
            float* c0p = c;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c0p + 0), c00).Store(c0p + 0);
            float* c1p = c + 1 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c1p + 0), c10).Store(c1p + 0);
            float* c2p = c + 2 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c2p + 0), c20).Store(c2p + 0);
            float* c3p = c + 3 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c3p + 0), c30).Store(c3p + 0);
            float* c4p = c + 4 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c4p + 0), c40).Store(c4p + 0);
            float* c5p = c + 5 * ldc;
            Vector512.FusedMultiplyAdd(vb, Vector512.Load(c5p + 0), c50).Store(c5p + 0);
        }
    }

    /// <summary>6×32 half tile with Vector256 FMAs; called twice per 64-wide B panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector256Tile(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        Vector256<float> c00 = default; Vector256<float> c01 = default; Vector256<float> c02 = default; Vector256<float> c03 = default;
        Vector256<float> c10 = default; Vector256<float> c11 = default; Vector256<float> c12 = default; Vector256<float> c13 = default;
        Vector256<float> c20 = default; Vector256<float> c21 = default; Vector256<float> c22 = default; Vector256<float> c23 = default;
        Vector256<float> c30 = default; Vector256<float> c31 = default; Vector256<float> c32 = default; Vector256<float> c33 = default;
        Vector256<float> c40 = default; Vector256<float> c41 = default; Vector256<float> c42 = default; Vector256<float> c43 = default;
        Vector256<float> c50 = default; Vector256<float> c51 = default; Vector256<float> c52 = default; Vector256<float> c53 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b + 0);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> b2 = Vector256.Load(b + 16);
            Vector256<float> b3 = Vector256.Load(b + 24);
            Vector256<float> a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
            c03 = Vector256.FusedMultiplyAdd(a0, b3, c03);
            Vector256<float> a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
            c13 = Vector256.FusedMultiplyAdd(a1, b3, c13);
            Vector256<float> a2 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a2, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a2, b1, c21);
            c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
            c23 = Vector256.FusedMultiplyAdd(a2, b3, c23);
            Vector256<float> a3 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a3, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a3, b1, c31);
            c32 = Vector256.FusedMultiplyAdd(a3, b2, c32);
            c33 = Vector256.FusedMultiplyAdd(a3, b3, c33);
            Vector256<float> a4 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a4, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a4, b1, c41);
            c42 = Vector256.FusedMultiplyAdd(a4, b2, c42);
            c43 = Vector256.FusedMultiplyAdd(a4, b3, c43);
            Vector256<float> a5 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a5, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a5, b1, c51);
            c52 = Vector256.FusedMultiplyAdd(a5, b2, c52);
            c53 = Vector256.FusedMultiplyAdd(a5, b3, c53);
            a += GemmBlocking.MR;
            b += GemmBlocking.NR;
        }
        if (beta == 0f)
        {
            float* c0p = c;
            c00.Store(c0p + 0);
            c01.Store(c0p + 8);
            c02.Store(c0p + 16);
            c03.Store(c0p + 24);
            float* c1p = c + 1 * ldc;
            c10.Store(c1p + 0);
            c11.Store(c1p + 8);
            c12.Store(c1p + 16);
            c13.Store(c1p + 24);
            float* c2p = c + 2 * ldc;
            c20.Store(c2p + 0);
            c21.Store(c2p + 8);
            c22.Store(c2p + 16);
            c23.Store(c2p + 24);
            float* c3p = c + 3 * ldc;
            c30.Store(c3p + 0);
            c31.Store(c3p + 8);
            c32.Store(c3p + 16);
            c33.Store(c3p + 24);
            float* c4p = c + 4 * ldc;
            c40.Store(c4p + 0);
            c41.Store(c4p + 8);
            c42.Store(c4p + 16);
            c43.Store(c4p + 24);
            float* c5p = c + 5 * ldc;
            c50.Store(c5p + 0);
            c51.Store(c5p + 8);
            c52.Store(c5p + 16);
            c53.Store(c5p + 24);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            float* c0p = c;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 0), c00).Store(c0p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 8), c01).Store(c0p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 16), c02).Store(c0p + 16);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c0p + 24), c03).Store(c0p + 24);
            float* c1p = c + 1 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 0), c10).Store(c1p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 8), c11).Store(c1p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 16), c12).Store(c1p + 16);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c1p + 24), c13).Store(c1p + 24);
            float* c2p = c + 2 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 0), c20).Store(c2p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 8), c21).Store(c2p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 16), c22).Store(c2p + 16);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c2p + 24), c23).Store(c2p + 24);
            float* c3p = c + 3 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 0), c30).Store(c3p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 8), c31).Store(c3p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 16), c32).Store(c3p + 16);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c3p + 24), c33).Store(c3p + 24);
            float* c4p = c + 4 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c4p + 0), c40).Store(c4p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c4p + 8), c41).Store(c4p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c4p + 16), c42).Store(c4p + 16);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c4p + 24), c43).Store(c4p + 24);
            float* c5p = c + 5 * ldc;
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c5p + 0), c50).Store(c5p + 0);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c5p + 8), c51).Store(c5p + 8);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c5p + 16), c52).Store(c5p + 16);
            Vector256.FusedMultiplyAdd(vb, Vector256.Load(c5p + 24), c53).Store(c5p + 24);
        }
    }

    /// <summary>Portable 6×64 tile for machines without SIMD FMA.</summary>
    public static void ScalarTile(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        float* acc = stackalloc float[GemmBlocking.MR * GemmBlocking.NR];
        new Span<float>(acc, GemmBlocking.MR * GemmBlocking.NR).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < GemmBlocking.MR; r++)
            {
                float ar = a[r];
                float* row = acc + r * GemmBlocking.NR;
                for (int j = 0; j < GemmBlocking.NR; j++)
                {
                    row[j] += ar * b[j];
                }
            }
            a += GemmBlocking.MR;
            b += GemmBlocking.NR;
        }
        for (int r = 0; r < GemmBlocking.MR; r++)
        {
            float* row = acc + r * GemmBlocking.NR;
            float* cr = c + r * ldc;
            for (int j = 0; j < GemmBlocking.NR; j++)
            {
                cr[j] = beta == 0f ? row[j] : row[j] + beta * cr[j];
            }
        }
    }
}
