using System.Runtime.InteropServices;

namespace DistNN.Benchmarking;

/// <summary>The calling thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), for benches that time one thread's work.</summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTime = 3;

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>The calling thread's CPU seconds, or null where the OS gives no thread CPU clock (off Linux).</summary>
    public static double? Seconds()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(ClockThreadCpuTime, out TimeSpec t) != 0)
        {
            return null;
        }
        return t.Seconds + t.Nanoseconds * 1e-9;
    }
}
