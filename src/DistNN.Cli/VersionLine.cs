using System.Reflection;
using System.Runtime.InteropServices;
using DistNN.Tensors;

namespace DistNN.Cli;

/// <summary>What `distnn --version` prints: the version, the .NET runtime, and the kernels in use on this CPU.</summary>
internal static class VersionLine
{
    public static string Text
    {
        get
        {
            var assembly = typeof(VersionLine).Assembly;
            string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString() ?? "unknown";
            // The build metadata (+commit) is noise on one line; the version proper is what a user compares.
            int plus = version.IndexOf('+');
            version = plus > 0 ? version[..plus] : version;
            Isa isa = CpuKernels.Current;
            return $"distnn {version}, {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.OSArchitecture}), "
                + $"kernels {CpuKernels.Name(isa)}: GEMM {Gemm.KernelName(isa)}, cpu {CpuKernels.CpuModel}";
        }
    }
}
