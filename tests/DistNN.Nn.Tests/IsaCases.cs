using DistNN.Tensors;

namespace DistNN.Nn.Tests;

/// <summary>Runs a spec under every instruction set's kernels; one the CPU cannot run is skipped loudly, by name.</summary>
internal static class IsaCases
{
    public static IReadOnlyList<Isa> All { get; } = Enum.GetValues<Isa>();

    /// <summary>Every instruction set, as theory data.</summary>
    public static TheoryData<Isa> Each { get; } = new(All);

    /// <summary>Every instruction set crossed with every case (the set comes first).</summary>
    public static IEnumerable<object[]> Cross(IEnumerable<object[]> cases) =>
        from isa in All from c in cases select (object[])[isa, .. c];

    /// <summary>Runs the calling thread on <paramref name="isa"/> until disposed, or skips the test when this CPU lacks it.</summary>
    public static IDisposable Enter(Isa isa)
    {
        Skip.IfNot(CpuKernels.CanRun(isa),
            $"SKIPPED LOUDLY: this CPU ({CpuKernels.CpuModel}) cannot run the {CpuKernels.Name(isa)} kernels, so they were NOT tested");
        return CpuKernels.Force(isa);
    }
}
