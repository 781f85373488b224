namespace DistNN.Tensors.Kernels;

/// <summary>The tile for machines without SIMD: plain C# over a 4×8 block of accumulators.</summary>
internal static unsafe class ScalarTiles
{
    private const int MR = 4;
    private const int NR = 8;

    /// <summary>4×8 tile: C_tile = Ã·B̃ + beta·C_tile (beta 0 never reads C).</summary>
    public static void Tile4x8(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        float* acc = stackalloc float[MR * NR];
        new Span<float>(acc, MR * NR).Clear();
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < MR; r++)
            {
                float ar = a[r];
                float* row = acc + r * NR;
                for (int j = 0; j < NR; j++)
                {
                    row[j] += ar * b[j];
                }
            }
            a += MR;
            b += NR;
        }
        for (int r = 0; r < MR; r++)
        {
            float* row = acc + r * NR;
            float* cr = c + r * ldc;
            for (int j = 0; j < NR; j++)
            {
                cr[j] = beta == 0f ? row[j] : row[j] + beta * cr[j];
            }
        }
    }
}
