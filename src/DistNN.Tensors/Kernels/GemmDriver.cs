using System.Runtime.CompilerServices;

namespace DistNN.Tensors.Kernels;

/// <summary>
/// The Goto/BLIS loop nest over packed blocks, on one register kernel's blocking. On several threads a tall C
/// (at least an MC block per thread) packs each B̃ block once into the caller's buffer, shared, and the threads
/// take Ã row blocks against it, except on the avx512 kernel, where each thread takes one row rectangle and packs
/// its own B̃ (fewer joins, measured faster); other shapes are cut into rectangles along N (each thread packs all of op(A) and
/// its own columns of op(B)) or along M (the reverse), whichever duplicates less packing.
/// The pool runs the parts on up to ComputeThreads.Current threads.
/// </summary>
internal sealed unsafe class GemmDriver : IPartedJob
{
    /// <summary>Below this many multiply-adds per thread a second thread costs more than it saves.</summary>
    private const long MinWorkPerThread = 1L << 20;

    /// <summary>
    /// Fewest rows per part when M is split: every part packs all of op(B) again, which pays only
    /// when each part multiplies every packed B̃ element by a few dozen rows.
    /// </summary>
    private const int MinRowsPerPart = 24;

    /// <summary>Parts per thread: finer parts let one thread take over work when its peer loses its core.</summary>
    private const int PartsPerThread = 4;

    /// <summary>Rows or columns per part below which parts are not cut finer than one per thread.</summary>
    private const int MinExtentPerExtraPart = 256;

    [ThreadStatic]
    private static GemmDriver? t_job;

    private bool _transA, _transB, _splitN;
    private int _m, _n, _k, _parts;
    private float _alpha, _beta;
    private float* _a, _b, _c;
    private nint _lda, _ldb, _ldc;
    private GemmKernel _kernel = GemmKernel.For(Isa.Scalar);
    private GemmBlocking _blocking;

    // The shared-B̃ path: which phase the parts run, the block in hand, and the caller's packed B̃.
    private Phase _phase;
    private int _pc, _kb, _jc, _nc, _mcStep;
    private float _blockBeta;
    private float* _sharedB;

    private enum Phase
    {
        Rectangles,
        PackSharedB,
        RowBlocks,
    }

    public static void Run(
        bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc,
        GemmKernel kernel, int threads)
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
        job._kernel = kernel;
        GemmBlocking blocking = job._blocking = kernel.Blocking;

        long work = (long)m * n * k;
        threads = (int)Math.Clamp(work / MinWorkPerThread, 1, Math.Max(1, threads));
        try
        {
            if (threads > 1 && m >= threads * blocking.MC)
            {
                if (kernel.Isa == Isa.Avx512)
                {
                    // One row rectangle per thread, each packing all of op(B) into its own buffer: no join per
                    // depth block (the 6x64 tile makes a block's compute short against two joins, and a thread that
                    // loses its core no longer holds its partner at each), and each B̃ block stays in its own core's
                    // L2. Equal to the shared B̃ on a quiet Zen 5, faster under load (docs/performance.md).
                    job.RunRectangles(splitN: false, threads, threads);
                }
                else
                {
                    job.RunSharedB(threads);
                }
                return;
            }
            int mPanels = (m + blocking.MR - 1) / blocking.MR;
            int nPanels = (n + blocking.NR - 1) / blocking.NR;
            int parts = threads == 1 ? 1 : (int)Math.Min(threads * PartsPerThread, work / MinWorkPerThread);
            // Splitting N repeats the packing of op(A) (m·k) in every part, splitting M repeats op(B) (k·n).
            bool splitN = (m <= n && nPanels >= threads) || mPanels < threads;
            // Parts beyond one per thread repeat packing too; keep them at least MinExtentPerExtraPart wide.
            int split = splitN ? n : m;
            parts = Math.Min(parts, Math.Max(threads, split / MinExtentPerExtraPart));
            parts = Math.Min(parts, splitN ? nPanels : Math.Max(1, m / MinRowsPerPart));
            job.RunRectangles(splitN, Math.Max(1, parts), threads);
        }
        finally
        {
            job._a = job._b = job._c = job._sharedB = null;
        }
    }

    /// <summary>C cut into <paramref name="parts"/> rectangles along N or M, each packing its own blocks (<see cref="ComputeRectangle"/>).</summary>
    private void RunRectangles(bool splitN, int parts, int threads)
    {
        _splitN = splitN;
        _parts = parts;
        _phase = Phase.Rectangles;
        ComputePool.Shared.Run(this, parts, threads);
    }

    public void RunPart(int part)
    {
        switch (_phase)
        {
            case Phase.PackSharedB:
                PackSharedBSlice(part);
                break;
            case Phase.RowBlocks:
                ComputeRowBlock(part);
                break;
            default:
                ComputeRectangle(part);
                break;
        }
    }

    /// <summary>
    /// Each KC×NC B̃ block is packed once, by all threads in column slices, into the caller's buffer; then the
    /// threads take the MC-row blocks of C, each packing its own Ã. Same depth blocks as one thread, so the
    /// result is bitwise the same.
    /// </summary>
    private void RunSharedB(int threads)
    {
        GemmBlocking blocking = _blocking;
        _sharedB = GemmBuffers.Current.B;
        int kc = EvenBlock(_k, blocking.KC, 1);
        _mcStep = EvenBlock(_m, blocking.MC, blocking.MR);
        int ncStep = EvenBlock(_n, blocking.NC, blocking.NR);
        int rowBlocks = (_m + _mcStep - 1) / _mcStep;
        for (int jc = 0; jc < _n; jc += ncStep)
        {
            _jc = jc;
            _nc = Math.Min(ncStep, _n - jc);
            int panels = (_nc + blocking.NR - 1) / blocking.NR;
            for (int pc = 0; pc < _k; pc += kc)
            {
                _pc = pc;
                _kb = Math.Min(kc, _k - pc);
                _blockBeta = pc == 0 ? _beta : 1f;
                _phase = Phase.PackSharedB;
                _parts = Math.Min(threads, panels);
                ComputePool.Shared.Run(this, _parts, threads);
                _phase = Phase.RowBlocks;
                ComputePool.Shared.Run(this, rowBlocks, threads);
            }
        }
    }

    private void PackSharedBSlice(int part)
    {
        int nr = _blocking.NR;
        int panels = (_nc + nr - 1) / nr;
        int j0 = (int)((long)panels * part / _parts) * nr;
        int j1 = Math.Min(_nc, (int)((long)panels * (part + 1) / _parts) * nr);
        if (j0 < j1)
        {
            GemmPacking.PackB(_transB, _b, _ldb, _pc, _kb, _jc + j0, j1 - j0, nr, _sharedB + (nint)j0 * _kb);
        }
    }

    private void ComputeRowBlock(int part)
    {
        int ic = part * _mcStep;
        int mc = Math.Min(_mcStep, _m - ic);
        GemmBuffers buffers = GemmBuffers.Current;
        GemmPacking.PackA(_transA, _a, _lda, ic, mc, _pc, _kb, _alpha, _blocking.MR, buffers.A);
        Macro(buffers.A, _sharedB, mc, _nc, _kb, _c + ic * _ldc + _jc, _blockBeta, buffers.Tile);
    }

    private void ComputeRectangle(int part)
    {
        GemmBlocking blocking = _blocking;
        if (_splitN)
        {
            int panels = (_n + blocking.NR - 1) / blocking.NR;
            int j0 = (int)((long)panels * part / _parts) * blocking.NR;
            int j1 = Math.Min(_n, (int)((long)panels * (part + 1) / _parts) * blocking.NR);
            Compute(0, _m, j0, j1);
        }
        else
        {
            int panels = (_m + blocking.MR - 1) / blocking.MR;
            int i0 = (int)((long)panels * part / _parts) * blocking.MR;
            int i1 = Math.Min(_m, (int)((long)panels * (part + 1) / _parts) * blocking.MR);
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
        GemmBlocking blocking = _blocking;
        GemmBuffers buffers = GemmBuffers.Current;
        float* packedA = buffers.A;
        float* packedB = buffers.B;
        int k = _k;
        // Equal blocks, so no block is left with a sliver of depth, rows or columns.
        int kc = EvenBlock(k, blocking.KC, 1);
        int mcStep = EvenBlock(i1 - i0, blocking.MC, blocking.MR);
        int ncStep = EvenBlock(j1 - j0, blocking.NC, blocking.NR);
        for (int jc = j0; jc < j1; jc += ncStep)
        {
            int nc = Math.Min(ncStep, j1 - jc);
            int ncPadded = (nc + blocking.NR - 1) / blocking.NR * blocking.NR;
            if ((long)k * ncPadded <= (long)blocking.KC * blocking.NC)
            {
                ComputeWithWholeB(i0, i1, jc, nc, ncPadded, kc, mcStep, buffers);
                continue;
            }
            bool inPlace = IsBInPanelLayout(nc);
            for (int pc = 0; pc < k; pc += kc)
            {
                int kb = Math.Min(kc, k - pc);
                float* panelsB = inPlace ? _b + (nint)pc * blocking.NR : packedB;
                if (!inPlace)
                {
                    GemmPacking.PackB(_transB, _b, _ldb, pc, kb, jc, nc, blocking.NR, packedB);
                }
                float beta = pc == 0 ? _beta : 1f;
                for (int ic = i0; ic < i1; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, i1 - ic);
                    GemmPacking.PackA(_transA, _a, _lda, ic, mc, pc, kb, _alpha, blocking.MR, packedA);
                    Macro(packedA, panelsB, mc, nc, kb, _c + ic * _ldc + jc, beta, buffers.Tile);
                }
            }
        }
    }

    /// <summary>
    /// When all of op(B)'s columns [jc, jc + nc) fit packed (tall, narrow products such as im2col convolutions),
    /// pack them once and run the depth loop inside the row loop, so each C block stays in cache across depth
    /// blocks instead of streaming the whole of C once per block. A dense B exactly NR columns wide is already in
    /// panel layout and is read in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ComputeWithWholeB(int i0, int i1, int jc, int nc, int ncPadded, int kc, int mcStep, GemmBuffers buffers)
    {
        int k = _k;
        int nr = _blocking.NR;
        bool inPlace = IsBInPanelLayout(nc);
        if (!inPlace)
        {
            for (int pc = 0; pc < k; pc += kc)
            {
                GemmPacking.PackB(_transB, _b, _ldb, pc, Math.Min(kc, k - pc), jc, nc, nr, buffers.B + (nint)pc * ncPadded);
            }
        }
        for (int ic = i0; ic < i1; ic += mcStep)
        {
            int mc = Math.Min(mcStep, i1 - ic);
            for (int pc = 0; pc < k; pc += kc)
            {
                int kb = Math.Min(kc, k - pc);
                float* packedB = inPlace ? _b + (nint)pc * nr : buffers.B + (nint)pc * ncPadded;
                GemmPacking.PackA(_transA, _a, _lda, ic, mc, pc, kb, _alpha, _blocking.MR, buffers.A);
                Macro(buffers.A, packedB, mc, nc, kb, _c + ic * _ldc + jc, pc == 0 ? _beta : 1f, buffers.Tile);
            }
        }
    }

    /// <summary>A dense, untransposed B exactly NR columns wide is its own single k-major panel (jc is then 0).</summary>
    private bool IsBInPanelLayout(int nc)
    {
        int nr = _blocking.NR;
        return !_transB && nc == nr && _n == nr && _ldb == nr;
    }

    /// <summary>All register tiles of one Ã block times one B̃ block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Macro(float* packedA, float* packedB, int mc, int nc, int kc, float* c, float beta, float* edge)
    {
        GemmKernel kernel = _kernel;
        int mrFull = _blocking.MR;
        int nrFull = _blocking.NR;
        NarrowTile[] narrow = kernel.Narrow;
        nint ldc = _ldc;
        for (int jr = 0; jr < nc; jr += nrFull)
        {
            int nr = Math.Min(nrFull, nc - jr);
            float* bPanel = packedB + (nint)jr * kc;
            // A panel whose used columns fit a narrower tile (narrow C, or its last columns) runs that tile.
            var panelTile = kernel.Tile;
            int tileWidth = nrFull;
            for (int t = 0; t < narrow.Length && nr <= narrow[t].Width; t++)
            {
                panelTile = narrow[t].Tile;
                tileWidth = narrow[t].Width;
            }
            for (int ir = 0; ir < mc; ir += mrFull)
            {
                int mr = Math.Min(mrFull, mc - ir);
                float* aPanel = packedA + (nint)ir * kc;
                float* cTile = c + ir * ldc + jr;
                if (mr == mrFull && nr == tileWidth)
                {
                    panelTile(kc, aPanel, bPanel, cTile, ldc, beta);
                }
                else
                {
                    panelTile(kc, aPanel, bPanel, edge, nrFull, 0f);
                    MergeEdge(edge, nrFull, cTile, ldc, mr, nr, beta);
                }
            }
        }
    }

    private static void MergeEdge(float* edge, int ldEdge, float* c, nint ldc, int mr, int nr, float beta)
    {
        for (int r = 0; r < mr; r++)
        {
            float* src = edge + r * ldEdge;
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
}
