using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DistNN.Tensors;

/// <summary>
/// The vector instruction set a kernel is written for. Ordered from narrowest to widest: a machine that runs one
/// runs every narrower one. <see cref="Vector128"/> is the ARM64 (NEON) path and runs on x86 with SSE.
/// </summary>
public enum Isa
{
    Scalar,
    Vector128,
    Avx2,
    Avx512,
}

/// <summary>
/// Which kernels run: the widest the CPU has, unless <c>DISTNN_ISA</c> or a caller (tests, <c>distnn bench --isa</c>)
/// asks for a narrower one. Chosen once per process; a thread may override it for a scope with <see cref="Force"/>
/// so tests can run every kernel the machine can run side by side.
/// </summary>
public static class CpuKernels
{
    /// <summary>The environment variable that picks the kernels for every command.</summary>
    public const string EnvironmentVariable = "DISTNN_ISA";

    [ThreadStatic]
    private static Isa? t_forced;

    private static Isa s_default = FromEnvironment(out s_environmentError);

    private static readonly string? s_environmentError;

    /// <summary>The widest instruction set this machine runs, as the runtime reports it.</summary>
    public static Isa Best { get; } = Detect();

    /// <summary>True when the runtime does fused multiply-add in hardware (false under <c>DOTNET_EnableAVX2=0</c> on .NET 10).</summary>
    public static bool HasFma { get; } = Fma.IsSupported || AdvSimd.IsSupported;

    /// <summary>
    /// What was wrong with <c>DISTNN_ISA</c>, or null. The kernels then fall back to <see cref="Best"/>; the CLI
    /// refuses to start on it so a typo never silently measures the wrong kernel.
    /// </summary>
    public static string? EnvironmentError => s_environmentError;

    /// <summary>The kernels in use on the calling thread.</summary>
    public static Isa Current => t_forced ?? s_default;

    /// <summary>Whether this machine can run kernels written for <paramref name="isa"/>.</summary>
    public static bool CanRun(Isa isa) => isa <= Best;

    /// <summary>Makes <paramref name="isa"/> the process-wide choice (the CLI's <c>--isa</c>).</summary>
    public static void SetDefault(Isa isa)
    {
        Require(isa);
        s_default = isa;
    }

    /// <summary>Runs the calling thread on <paramref name="isa"/> until the returned scope is disposed.</summary>
    public static IDisposable Force(Isa isa)
    {
        Require(isa);
        Isa? previous = t_forced;
        t_forced = isa;
        return new Scope(previous);
    }

    /// <summary>Parses a user's word (<c>avx512</c>, <c>avx2</c>, <c>vector128</c>, <c>scalar</c>, or <c>auto</c> for the best).</summary>
    public static Isa Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" or "best" or "" => Best,
        "avx512" or "vector512" => Isa.Avx512,
        "avx2" or "vector256" => Isa.Avx2,
        "vector128" or "neon" or "sse" => Isa.Vector128,
        "scalar" => Isa.Scalar,
        _ => throw new ArgumentException($"unknown instruction set '{text}': use avx512, avx2, vector128, scalar or auto"),
    };

    /// <summary>The word <see cref="Parse"/> reads back.</summary>
    public static string Name(Isa isa) => isa switch
    {
        Isa.Avx512 => "avx512",
        Isa.Avx2 => "avx2",
        Isa.Vector128 => "vector128",
        _ => "scalar",
    };

    /// <summary>The CPU's model name (from /proc/cpuinfo where there is one).</summary>
    public static string CpuModel { get; } = ReadCpuModel();

    /// <summary>Refuses an instruction set this machine lacks, saying what it has.</summary>
    public static void Require(Isa isa)
    {
        if (!CanRun(isa))
        {
            throw new PlatformNotSupportedException(
                $"this CPU ({CpuModel}) cannot run the {Name(isa)} kernels; the widest it runs is {Name(Best)}");
        }
    }

    private static Isa Detect()
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Fma.IsSupported)
        {
            return Isa.Avx512;
        }
        if (Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported)
        {
            return Isa.Avx2;
        }
        return Vector128.IsHardwareAccelerated ? Isa.Vector128 : Isa.Scalar;
    }

    private static Isa FromEnvironment(out string? error)
    {
        error = null;
        string? text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Detect();
        }
        try
        {
            Isa isa = Parse(text);
            if (isa > Detect())
            {
                error = $"{EnvironmentVariable}={text}: this CPU ({ReadCpuModel()}) cannot run the {Name(isa)} kernels; the widest it runs is {Name(Detect())}";
                return Detect();
            }
            return isa;
        }
        catch (ArgumentException e)
        {
            error = $"{EnvironmentVariable}: {e.Message}";
            return Detect();
        }
    }

    private static string ReadCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Model", StringComparison.Ordinal))
                    {
                        int colon = line.IndexOf(':');
                        if (colon > 0)
                        {
                            return line[(colon + 1)..].Trim();
                        }
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }

    private sealed class Scope(Isa? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                t_forced = previous;
            }
        }
    }
}
