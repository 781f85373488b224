namespace DistNN.Tensors.Kernels;

/// <summary>
/// Register tile and cache blocks of one register kernel's packed GEMM (Goto/BLIS loop nest).
/// MR×NR is the register tile; a KC×NR B̃ micro-panel is reused from L1 across an MC×KC Ã block held in L2,
/// and a KC×NC B̃ block is reused from L3 across all of op(A)'s rows.
/// </summary>
internal readonly record struct GemmBlocking(int MR, int NR, int KC, int MC, int NC)
{
    /// <summary>
    /// Blocks sized from the caches: the B̃ micro-panel fills 3/4 of L1 (KC), the Ã block 7/16 of L2 (MC),
    /// the B̃ block a quarter of L3's per-core share (NC, at most <paramref name="maxNc"/>). On a 32 KB L1 and
    /// 512 KB L2 this gives KC 384 and MC 144 for a 16-wide tile, the blocking calibration runs found fastest.
    /// </summary>
    public static GemmBlocking FromCaches(int mr, int nr, CacheSizes caches, int maxNc = 1024)
    {
        int kc = Math.Clamp((int)(caches.L1 * 3 / 4 / (4L * nr)) / 8 * 8, 64, 512);
        int mc = Math.Clamp((int)(caches.L2 * 7 / 16 / (4L * kc)) / mr * mr, 4 * mr, 64 * mr);
        int nc = Math.Clamp((int)(caches.L3 / 4 / (4L * kc)) / nr * nr, 4 * nr, maxNc / nr * nr);
        return new GemmBlocking(mr, nr, kc, mc, nc);
    }
}
