namespace DistNN.Tensors.Kernels;

/// <summary>
/// One register kernel and the blocking shaped for it: its full tile, and narrower tiles for panels whose used
/// columns fit in fewer vectors (narrow C or its last columns). Chosen once per instruction set.
/// </summary>
internal sealed unsafe class GemmKernel
{
    private static readonly GemmKernel s_avx512 = new(Isa.Avx512, "avx512 6x64", new GemmBlocking(6, 64, 128, 144, 1024),
        &Avx512Tiles.Tile6x64, [new(32, &Avx512Tiles.Tile6x32), new(16, &Avx512Tiles.Tile6x16)]);

    private static readonly GemmKernel s_avx2 = new(Isa.Avx2, "avx2 6x16", GemmBlocking.FromCaches(6, 16, CacheSizes.Machine),
        &Avx2Tiles.Tile6x16, [new(8, &Avx2Tiles.Tile6x8)]);

    private static readonly GemmKernel s_avx2Wide = new(Isa.Avx2, "avx2 4x24", GemmBlocking.FromCaches(4, 24, CacheSizes.Machine),
        &Avx2Tiles.Tile4x24, []);

    private static readonly GemmKernel s_vector128Fused = new(Isa.Vector128, "vector128 6x8 fma", GemmBlocking.FromCaches(6, 8, CacheSizes.Machine),
        &Vector128Tiles.Tile6x8<FusedMulAdd128>, []);

    // Without FMA in the runtime (DOTNET_EnableAVX2=0 on .NET 10) a fused call would run lane by lane: multiply, then add.
    private static readonly GemmKernel s_vector128Separate = new(Isa.Vector128, "vector128 6x8", GemmBlocking.FromCaches(6, 8, CacheSizes.Machine),
        &Vector128Tiles.Tile6x8<SeparateMulAdd128>, []);

    private static readonly GemmKernel s_vector128Wide = CpuKernels.HasFma
        ? new(Isa.Vector128, "vector128 8x12 fma", GemmBlocking.FromCaches(8, 12, CacheSizes.Machine), &Vector128Tiles.Tile8x12<FusedMulAdd128>, [])
        : new(Isa.Vector128, "vector128 8x12", GemmBlocking.FromCaches(8, 12, CacheSizes.Machine), &Vector128Tiles.Tile8x12<SeparateMulAdd128>, []);

    private static readonly GemmKernel s_scalar = new(Isa.Scalar, "scalar 4x8", new GemmBlocking(4, 8, 256, 96, 1024), &ScalarTiles.Tile4x8, []);

    private GemmKernel(Isa isa, string name, GemmBlocking blocking, delegate*<int, float*, float*, float*, nint, float, void> tile, NarrowTile[] narrow)
    {
        Isa = isa;
        Name = name;
        Blocking = blocking;
        Tile = tile;
        Narrow = narrow;
    }

    public Isa Isa { get; }

    /// <summary>Instruction set and tile, e.g. "avx2 6x16".</summary>
    public string Name { get; }

    public GemmBlocking Blocking { get; }

    /// <summary>The MR×NR tile: (kc, Ã panel, B̃ panel, C, ldc, beta).</summary>
    public delegate*<int, float*, float*, float*, nint, float, void> Tile { get; }

    /// <summary>Narrower tiles, widest first; each reads only the first Width columns of an NR-wide panel.</summary>
    public NarrowTile[] Narrow { get; }

    /// <summary>The kernel that runs for <paramref name="isa"/>. On ARM64 the Vector128 path takes the 8×12 tile (32 NEON registers).</summary>
    public static GemmKernel For(Isa isa) => isa switch
    {
        Isa.Avx512 => s_avx512,
        Isa.Avx2 => s_avx2,
        Isa.Vector128 => System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? s_vector128Wide : CpuKernels.HasFma ? s_vector128Fused : s_vector128Separate,
        _ => s_scalar,
    };

    /// <summary>Every kernel, the alternative tile shapes included (tests and benchmarks run them all).</summary>
    public static IReadOnlyList<GemmKernel> All { get; } = [s_avx512, s_avx2, s_avx2Wide, s_vector128Fused, s_vector128Separate, s_vector128Wide, s_scalar];

    /// <summary>The largest blocks over all kernels: what one thread's packing buffers must hold.</summary>
    public static GemmBlocking Largest { get; } = new(
        All.Max(k => k.Blocking.MR), All.Max(k => k.Blocking.NR),
        All.Max(k => k.Blocking.KC), All.Max(k => k.Blocking.MC), All.Max(k => k.Blocking.NC));

    /// <summary>Floats of Ã (MC×KC) and B̃ (KC×NC) the largest kernel packs.</summary>
    public static long LargestPackedA { get; } = All.Max(k => (long)k.Blocking.MC * k.Blocking.KC);

    public static long LargestPackedB { get; } = All.Max(k => (long)k.Blocking.KC * k.Blocking.NC);

    public override string ToString() => $"{Name} (KC {Blocking.KC}, MC {Blocking.MC}, NC {Blocking.NC})";
}

/// <summary>A tile that computes only the first <see cref="Width"/> columns of a panel.</summary>
internal readonly unsafe struct NarrowTile(int width, delegate*<int, float*, float*, float*, nint, float, void> tile)
{
    public int Width { get; } = width;

    public delegate*<int, float*, float*, float*, nint, float, void> Tile { get; } = tile;
}
