using System.Runtime.CompilerServices;

namespace DistNN.Tensors.Kernels;

/// <summary>
/// The Goto/BLIS loop nest over packed blocks, for one rectangle of C. A call is cut into rectangles
/// along N (each thread packs all of op(A) and its own columns of op(B)) or along M (the reverse),
/// whichever duplicates less packing; the pool runs the rectangles on up to ComputeThreads.Current threads.
/// </summary>
internal sealed unsafe class GemmDriver : IPartedJob
{
    [ThreadStatic]
    private static GemmDriver? t_job;

    private bool _transA, _transB, _splitN;
    private int _m, _n, _k, _parts;
    private float _alpha, _beta;
    private float* _a, _b, _c;
    private nint _lda, _ldb, _ldc;
    private delegate*<int, float*, float*, float*, nint, float, void> _tile;
    private delegate*<int, float*, float*, float*, nint, float, void> _halfTile;
    private delegate*<int, float*, float*, float*, nint, float, void> _quarterTile;
    private int _halfWidth, _quarterWidth; // columns the narrower tiles write

    public static void Run(
        bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc,
        GemmIsa isa, int threads)
    {
        GemmDriver job = t_job ??= new GemmDriver();
        job._transA = transA;
        job._transB = transB;
        job._m = m;
        job._n = n;
        job._k = k;
        job._alpha = alpha;
        job._beta = beta;
        job._a = a;
        job._b = b;
        job._c = c;
        job._lda = lda;
        job._ldb = ldb;
        job._ldc = ldc;
        job._tile = isa switch
        {
            GemmIsa.Vector512 => &GemmMicroKernels.Vector512Tile,
            GemmIsa.Vector256 => &Vector256FullTile,
            _ => &GemmMicroKernels.ScalarTile,
        };
        job._quarterTile = isa switch
        {
            GemmIsa.Vector512 => &GemmMicroKernels.Vector512QuarterTile,
            GemmIsa.Vector256 => &GemmMicroKernels.Vector256Tile,
            _ => &GemmMicroKernels.ScalarTile,
        };
        (job._halfWidth, job._quarterWidth) = isa switch
        {
            GemmIsa.Vector512 => (GemmBlocking.NR / 2, GemmBlocking.NR / 4),
            GemmIsa.Vector256 => (GemmBlocking.NR / 2, GemmBlocking.NR / 2),
            _ => (GemmBlocking.NR, GemmBlocking.NR),
        };
        job._halfTile = isa switch
        {
            GemmIsa.Vector512 => &GemmMicroKernels.Vector512HalfTile,
            GemmIsa.Vector256 => &GemmMicroKernels.Vector256Tile,
            _ => &GemmMicroKernels.ScalarTile,
        };

        int mPanels = (m + GemmBlocking.MR - 1) / GemmBlocking.MR;
        int nPanels = (n + GemmBlocking.NR - 1) / GemmBlocking.NR;
        long work = (long)m * n * k;
        threads = (int)Math.Clamp(work / GemmBlocking.MinWorkPerThread, 1, Math.Max(1, threads));
        int parts = threads == 1 ? 1 : (int)Math.Min(threads * GemmBlocking.PartsPerThread, work / GemmBlocking.MinWorkPerThread);
        // Splitting N repeats the packing of op(A) (m·k) in every part, splitting M repeats op(B) (k·n).
        bool splitN = (m <= n && nPanels >= threads) || mPanels < threads;
        // Parts beyond one per thread repeat packing too; keep them at least MinExtentPerExtraPart wide.
        int split = splitN ? n : m;
        parts = Math.Min(parts, Math.Max(threads, split / GemmBlocking.MinExtentPerExtraPart));
        parts = Math.Min(parts, splitN ? nPanels : Math.Max(1, m / GemmBlocking.MinRowsPerPart));
        job._splitN = splitN;
        job._parts = Math.Max(1, parts);
        try
        {
            ComputePool.Shared.Run(job, job._parts, threads);
        }
        finally
        {
            job._a = job._b = job._c = null;
        }
    }

    public void RunPart(int part)
    {
        if (_splitN)
        {
            int panels = (_n + GemmBlocking.NR - 1) / GemmBlocking.NR;
            int j0 = (int)((long)panels * part / _parts) * GemmBlocking.NR;
            int j1 = Math.Min(_n, (int)((long)panels * (part + 1) / _parts) * GemmBlocking.NR);
            Compute(0, _m, j0, j1);
        }
        else
        {
            int panels = (_m + GemmBlocking.MR - 1) / GemmBlocking.MR;
            int i0 = (int)((long)panels * part / _parts) * GemmBlocking.MR;
            int i1 = Math.Min(_m, (int)((long)panels * (part + 1) / _parts) * GemmBlocking.MR);
            Compute(i0, i1, 0, _n);
        }
    }

    /// <summary>C[i0..i1, j0..j1] = alpha·op(A)·op(B) + beta·C over that rectangle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Compute(int i0, int i1, int j0, int j1)
    {
        if (i0 >= i1 || j0 >= j1)
        {
            return;
        }
        GemmBuffers buffers = GemmBuffers.Current;
        float* packedA = buffers.A;
        float* packedB = buffers.B;
        int k = _k;
        // Equal blocks, so no block is left with a sliver of depth, rows or columns.
        int kc = EvenBlock(k, GemmBlocking.KC, 1);
        int mcStep = EvenBlock(i1 - i0, GemmBlocking.MC, GemmBlocking.MR);
        int ncStep = EvenBlock(j1 - j0, GemmBlocking.NC, GemmBlocking.NR);
        for (int jc = j0; jc < j1; jc += ncStep)
        {
            int nc = Math.Min(ncStep, j1 - jc);
            int ncPadded = (nc + GemmBlocking.NR - 1) / GemmBlocking.NR * GemmBlocking.NR;
            if ((long)k * ncPadded <= GemmBuffers.BCapacity)
            {
                ComputeWithWholeB(i0, i1, jc, nc, ncPadded, kc, mcStep, buffers);
                continue;
            }
            bool inPlace = IsBInPanelLayout(nc);
            for (int pc = 0; pc < k; pc += kc)
            {
                int kb = Math.Min(kc, k - pc);
                float* panelsB = inPlace ? _b + (nint)pc * GemmBlocking.NR : packedB;
                if (!inPlace)
                {
                    GemmPacking.PackB(_transB, _b, _ldb, pc, kb, jc, nc, packedB);
                }
                float beta = pc == 0 ? _beta : 1f;
                for (int ic = i0; ic < i1; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, i1 - ic);
                    GemmPacking.PackA(_transA, _a, _lda, ic, mc, pc, kb, _alpha, packedA);
                    Macro(packedA, panelsB, mc, nc, kb, _c + ic * _ldc + jc, beta, buffers.Tile);
                }
            }
        }
    }

    /// <summary>
    /// When all of op(B)'s columns [jc, jc + nc) fit packed (tall, narrow products such as im2col convolutions),
    /// pack them once and run the depth loop inside the row loop, so each C block stays in cache across depth
    /// blocks instead of streaming the whole of C once per block. A dense 64-column B is already in panel
    /// layout and is read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeWithWholeB(int i0, int i1, int jc, int nc, int ncPadded, int kc, int mcStep, GemmBuffers buffers)
    {
        int k = _k;
        bool inPlace = IsBInPanelLayout(nc);
        if (!inPlace)
        {
            for (int pc = 0; pc < k; pc += kc)
            {
                GemmPacking.PackB(_transB, _b, _ldb, pc, Math.Min(kc, k - pc), jc, nc, buffers.B + (nint)pc * ncPadded);
            }
        }
        for (int ic = i0; ic < i1; ic += mcStep)
        {
            int mc = Math.Min(mcStep, i1 - ic);
            for (int pc = 0; pc < k; pc += kc)
            {
                int kb = Math.Min(kc, k - pc);
                float* packedB = inPlace ? _b + (nint)pc * GemmBlocking.NR : buffers.B + (nint)pc * ncPadded;
                GemmPacking.PackA(_transA, _a, _lda, ic, mc, pc, kb, _alpha, buffers.A);
                Macro(buffers.A, packedB, mc, nc, kb, _c + ic * _ldc + jc, pc == 0 ? _beta : 1f, buffers.Tile);
            }
        }
    }

    /// <summary>A dense, untransposed B exactly NR columns wide is its own single k-major panel (jc is then 0).</summary>
    private bool IsBInPanelLayout(int nc) => !_transB && nc == GemmBlocking.NR && _n == GemmBlocking.NR && _ldb == GemmBlocking.NR;

    /// <summary>All register tiles of one Ã block times one B̃ block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Macro(float* packedA, float* packedB, int mc, int nc, int kc, float* c, float beta, float* edge)
    {
        var tile = _tile;
        nint ldc = _ldc;
        for (int jr = 0; jr < nc; jr += GemmBlocking.NR)
        {
            int nr = Math.Min(GemmBlocking.NR, nc - jr);
            float* bPanel = packedB + (nint)jr * kc;
            // A panel at most half (a quarter) full, from narrow C or the last columns, runs a narrower tile.
            var panelTile = nr <= GemmBlocking.NR / 4 ? _quarterTile : nr <= GemmBlocking.NR / 2 ? _halfTile : tile;
            int fullWidth = nr <= GemmBlocking.NR / 4 ? _quarterWidth : nr <= GemmBlocking.NR / 2 ? _halfWidth : GemmBlocking.NR;
            for (int ir = 0; ir < mc; ir += GemmBlocking.MR)
            {
                int mr = Math.Min(GemmBlocking.MR, mc - ir);
                float* aPanel = packedA + (nint)ir * kc;
                float* cTile = c + ir * ldc + jr;
                if (mr == GemmBlocking.MR && nr == fullWidth)
                {
                    panelTile(kc, aPanel, bPanel, cTile, ldc, beta);
                }
                else
                {
                    panelTile(kc, aPanel, bPanel, edge, GemmBlocking.NR, 0f);
                    MergeEdge(edge, cTile, ldc, mr, nr, beta);
                }
            }
        }
    }

    private static void MergeEdge(float* edge, float* c, nint ldc, int mr, int nr, float beta)
    {
        for (int r = 0; r < mr; r++)
        {
            float* src = edge + r * GemmBlocking.NR;
            float* dst = c + r * ldc;
            if (beta == 0f)
            {
                new ReadOnlySpan<float>(src, nr).CopyTo(new Span<float>(dst, nr));
            }
            else
            {
                for (int j = 0; j < nr; j++)
                {
                    dst[j] = src[j] + beta * dst[j];
                }
            }
        }
    }

    private static int EvenBlock(int length, int max, int unit)
    {
        int blocks = (length + max - 1) / max;
        int size = (length + blocks - 1) / blocks;
        return (size + unit - 1) / unit * unit;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vector256FullTile(int kc, float* a, float* b, float* c, nint ldc, float beta)
    {
        GemmMicroKernels.Vector256Tile(kc, a, b, c, ldc, beta);
        GemmMicroKernels.Vector256Tile(kc, a, b + 32, c + 32, ldc, beta);
    }
}
