using System.Globalization;
using System.Runtime.InteropServices;

namespace DistNN.Training.Cluster;

/// <summary>
/// `distnn node --cpus LIST`: the CPUs a node's threads may run on, as `taskset -c LIST` sets them ("0", "0-3", "0,2-3").
/// On a host where several nodes share few cores, pinning the parameter server and the coordinator each beside one
/// worker keeps their threads on one core's caches instead of wherever the scheduler moves them (docs/performance.md).
/// Linux only (sched_setaffinity).
/// </summary>
public static partial class CpuAffinity
{
    /// <summary>cpu_set_t as glibc defines it: 1,024 CPUs.</summary>
    private const int MaskBytes = 128;

    /// <summary>The CPUs of <paramref name="list"/> ("0,2-3"), in order and once each; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static IReadOnlyList<int> Parse(string list)
    {
        var cpus = new SortedSet<int>();
        foreach (string part in list.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length is < 1 or > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                throw new FormatException($"'{list}' is not a list of CPUs such as 0, 0-3 or 0,2-3 (at '{part}')");
            }
            int first = int.Parse(ends[0], CultureInfo.InvariantCulture), last = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (first > last || last >= MaskBytes * 8)
            {
                throw new FormatException($"'{list}': {part} is not a range of CPUs from 0 to {MaskBytes * 8 - 1}");
            }
            for (int cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }
        return [.. cpus];
    }

    /// <summary>The CPUs this process may run on now (its affinity, e.g. as taskset or a container's cpuset left it).</summary>
    public static IReadOnlyList<int> Allowed()
    {
        var mask = new byte[MaskBytes];
        if (SchedGetAffinity(0, MaskBytes, mask) != 0)
        {
            throw new InvalidOperationException($"sched_getaffinity failed (errno {Marshal.GetLastPInvokeError()})");
        }
        return [.. Enumerable.Range(0, MaskBytes * 8).Where(cpu => (mask[cpu / 8] & (1 << (cpu % 8))) != 0)];
    }

    /// <summary>
    /// Restricts every thread of this process to <paramref name="cpus"/> (the runtime's threads started already, each
    /// by its id; threads started later inherit it). Call it before the node starts its own threads. Throws
    /// <see cref="ArgumentException"/> naming a CPU this process may not run on.
    /// </summary>
    public static void Apply(IReadOnlyList<int> cpus)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("--cpus sets the CPU affinity on Linux only");
        }
        var allowed = Allowed();
        var outside = cpus.Except(allowed).ToList();
        if (outside.Count > 0 || cpus.Count == 0)
        {
            throw new ArgumentException($"CPU(s) {string.Join(",", outside)} are not among the CPUs this process may run on: {Describe(allowed)}");
        }
        var mask = new byte[MaskBytes];
        foreach (int cpu in cpus)
        {
            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
        }
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            int tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
            // A thread that ended meanwhile (ESRCH) has nothing to restrict.
            if (SchedSetAffinity(tid, MaskBytes, mask) != 0 && Marshal.GetLastPInvokeError() != 3)
            {
                throw new InvalidOperationException($"sched_setaffinity({tid}) failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
    }

    /// <summary>"0-1,4": a list of CPUs as taskset prints it.</summary>
    public static string Describe(IReadOnlyList<int> cpus)
    {
        var parts = new List<string>();
        for (int i = 0; i < cpus.Count;)
        {
            int j = i;
            while (j + 1 < cpus.Count && cpus[j + 1] == cpus[j] + 1)
            {
                j++;
            }
            parts.Add(i == j ? $"{cpus[i]}" : $"{cpus[i]}-{cpus[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint size, byte[] mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nint size, byte[] mask);
}
