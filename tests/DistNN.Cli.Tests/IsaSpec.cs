using System.Text.Json;
using DistNN.Tensors;

namespace DistNN.Cli.Tests;

/// <summary>
/// Which kernels the distnn command runs: `--isa` on bench, DISTNN_ISA for every command, the runtime's own switches
/// falling back to narrower kernels, and `--version` saying which is in use.
/// </summary>
public class IsaSpec
{
    [Fact]
    public void Version_prints_the_version_the_runtime_and_the_kernels_in_use()
    {
        var r = Distnn.Run("--version");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Single(r.Stdout.Trim().Split('\n'));
        Assert.StartsWith("distnn ", r.Stdout);
        Assert.Contains(".NET 10", r.Stdout);
        Assert.Contains($"kernels {CpuKernels.Name(CpuKernels.Best)}: GEMM {Gemm.KernelName(CpuKernels.Best)}", r.Stdout);
    }

    [SkippableTheory]
    [InlineData(Isa.Avx2)]
    [InlineData(Isa.Vector128)]
    [InlineData(Isa.Scalar)]
    public void Gemm_bench_runs_the_forced_instruction_set_and_says_so_with_the_cpu(Isa isa)
    {
        Skip.IfNot(CpuKernels.CanRun(isa), $"SKIPPED LOUDLY: this CPU ({CpuKernels.CpuModel}) cannot run {CpuKernels.Name(isa)}");

        var r = Distnn.Run("bench", "--gemm", "48", "--isa", CpuKernels.Name(isa));

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        Assert.Equal(CpuKernels.Name(isa), line.RootElement.GetProperty("isa").GetString());
        Assert.Equal(Gemm.KernelName(isa), line.RootElement.GetProperty("kernel").GetString());
        Assert.Equal(CpuKernels.CpuModel, line.RootElement.GetProperty("cpu").GetString());
        Assert.Equal(64, line.RootElement.GetProperty("checked_entries").GetInt32());
    }

    [Fact]
    public void Model_bench_says_which_instruction_set_and_cpu_it_ran_on()
    {
        var r = Distnn.Run("bench", "--model", "mlp", "--batch", "16", "--seconds", "0.2", "--isa", "vector128");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        Assert.Equal("vector128", line.RootElement.GetProperty("isa").GetString());
        Assert.Equal(CpuKernels.CpuModel, line.RootElement.GetProperty("cpu").GetString());
    }

    [SkippableFact]
    public void An_isa_the_cpu_lacks_is_refused_with_exit_2_and_one_line_naming_it()
    {
        Skip.If(CpuKernels.Best == Isa.Avx512, "SKIPPED LOUDLY: this CPU runs every instruction set DistNN has kernels for; none to refuse");
        string beyond = CpuKernels.Name(CpuKernels.Best + 1);

        var r = Distnn.Run("bench", "--gemm", "32", "--isa", beyond);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains($"--isa {beyond}", r.Stderr);
        Assert.Contains("cannot run", r.Stderr);
    }

    [Fact]
    public void An_unknown_isa_is_refused_with_the_words_that_are_known()
    {
        var r = Distnn.Run("bench", "--gemm", "32", "--isa", "avx3");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown instruction set 'avx3'", r.Stderr);
        Assert.Contains("avx512, avx2, vector128, scalar or auto", r.Stderr);
    }

    [SkippableTheory]
    [InlineData("neon-ish")]
    [InlineData("avx512")]
    public void A_DISTNN_ISA_that_is_misspelt_or_beyond_the_cpu_stops_every_command_with_exit_2(string value)
    {
        Skip.If(value == "avx512" && CpuKernels.Best == Isa.Avx512, "SKIPPED LOUDLY: this CPU runs avx512, so DISTNN_ISA=avx512 is valid here");

        var r = Distnn.RunWith(new Dictionary<string, string> { ["DISTNN_ISA"] = value }, "eval", "--help");

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.StartsWith("distnn: error: DISTNN_ISA", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void DISTNN_ISA_chooses_the_kernels_of_every_command()
    {
        var r = Distnn.RunWith(new Dictionary<string, string> { ["DISTNN_ISA"] = "scalar" }, "--version");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains($"kernels scalar: GEMM {Gemm.KernelName(Isa.Scalar)}", r.Stdout);
    }

    /// <summary>
    /// The runtime's own switches: without AVX2 (which on .NET 10 also takes FMA away) detection falls to the
    /// Vector128 kernel with a separate multiply and add; without AVX-512 (DOTNET_EnableAVX512 on .NET 10,
    /// EnableAVX512F before) to AVX2. The bench checks sampled entries of C against double precision before timing.
    /// </summary>
    [SkippableTheory]
    [InlineData("DOTNET_EnableAVX2", Isa.Vector128)]
    [InlineData("DOTNET_EnableAVX512", Isa.Avx2)]
    public void Under_the_runtimes_switch_detection_falls_back_and_the_product_stays_right(string knob, Isa expected)
    {
        Skip.IfNot(CpuKernels.CanRun(expected), $"SKIPPED LOUDLY: this CPU ({CpuKernels.CpuModel}) cannot run {CpuKernels.Name(expected)} even unrestricted");
        var environment = new Dictionary<string, string> { [knob] = "0", [knob + "F"] = "0" };

        var r = Distnn.RunWith(environment, "bench", "--gemm", "97", "--threads", "2");

        Assert.True(r.ExitCode == 0, r.All);
        using var line = JsonDocument.Parse(r.Stdout.Trim());
        Assert.Equal(CpuKernels.Name(expected), line.RootElement.GetProperty("isa").GetString());
        Assert.Equal(64, line.RootElement.GetProperty("checked_entries").GetInt32());
        if (knob == "DOTNET_EnableAVX2")
        {
            Assert.DoesNotContain("fma", line.RootElement.GetProperty("kernel").GetString());
        }
    }
}
