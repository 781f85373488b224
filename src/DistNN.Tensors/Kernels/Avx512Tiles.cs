using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Tensors.Kernels;

// Unrolled on purpose: 6 rows × 4 Vector512 columns, 24 accumulators held in AVX-512's 32 registers.
// A micro-panel is k-major with MR floats per step; a B micro-panel is k-major with NR floats per step.
// Every kernel computes C_tile = Ã·B̃ + beta·C_tile (alpha is folded into Ã when packing; beta 0 never reads C).

/// <summary>AVX-512 register tiles (Vector512): the 6×64 tile and its half and quarter for narrow panels.</summary>
internal static unsafe class Avx512Tiles
{
    private const int MR = 6;
    private const int NR = 64;

    /// <summary>6×64 tile with Vector512 (AVX-512) FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x64(int kc, float* a, float* b, float* c, nint ldc, float beta)
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
            a += MR;
            b += NR;
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
    public static void Tile6x32(int kc, float* a, float* b, float* c, nint ldc, float beta)
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
            a += MR;
            b += NR;
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
    public static void Tile6x16(int kc, float* a, float* b, float* c, nint ldc, float beta)
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
            a += MR;
            b += NR;
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
}
