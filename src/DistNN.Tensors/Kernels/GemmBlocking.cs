namespace DistNN.Tensors.Kernels;

/// <summary>
/// Register tile and cache blocks of the packed GEMM (Goto/BLIS loop nest).
/// MR×NR is the register tile; KC×NR B̃ micro-panels (32 KB) are reused from L1 across an MC-row Ã block held in L2.
/// </summary>
internal static class GemmBlocking
{
    /// <summary>Rows of the register tile (the broadcast side).</summary>
    public const int MR = 6;

    /// <summary>Columns of the register tile: four Vector512 or eight Vector256.</summary>
    public const int NR = 64;

    /// <summary>Largest depth of one packed block; k is cut into equal blocks no deeper than this.</summary>
    public const int KC = 128;

    /// <summary>Largest row block of Ã (a multiple of MR).</summary>
    public const int MC = 144;

    /// <summary>Largest column block of B̃ (a multiple of NR).</summary>
    public const int NC = 1024;

    /// <summary>Below this many multiply-adds per thread a second thread costs more than it saves.</summary>
    public const long MinWorkPerThread = 1L << 20;

    /// <summary>
    /// Fewest rows per part when M is split: every part packs all of op(B) again, which pays only
    /// when each part multiplies every packed B̃ element by a few dozen rows.
    /// </summary>
    public const int MinRowsPerPart = 24;

    /// <summary>Parts per thread: finer parts let one thread take over work when its peer loses its core.</summary>
    public const int PartsPerThread = 4;

    /// <summary>Rows or columns per part below which parts are not cut finer than one per thread.</summary>
    public const int MinExtentPerExtraPart = 256;
}
