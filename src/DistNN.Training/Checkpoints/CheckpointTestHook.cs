namespace DistNN.Training.Checkpoints;

/// <summary>
/// For the crash tests only: DISTNN_TEST_CHECKPOINT_PAUSE=before-rename:NAME or after:NAME stops the checkpoint writer
/// forever (until the test kills the process) before renaming a file whose path contains NAME into place, or after the
/// manifest of the checkpoint folder NAME is in place. It prints one line so the test knows it got there.
/// DISTNN_TEST_CHECKPOINT_PAUSE=slow:NAME only holds the writer 2 s, once, before renaming the first file whose path
/// contains NAME (a slow disk, for the interrupt tests: the run must not go on meanwhile).
/// </summary>
internal static class CheckpointTestHook
{
    private static readonly string? s_setting = Environment.GetEnvironmentVariable("DISTNN_TEST_CHECKPOINT_PAUSE");
    private static int s_slowed;

    public static void BeforeRename(string path)
    {
        PauseIf("before-rename:", path);
        if (Asked("slow:", path) && Interlocked.Exchange(ref s_slowed, 1) == 0)
        {
            Console.Error.WriteLine($"distnn: test hook: checkpoint writer slowed 2 s before {path}");
            Thread.Sleep(TimeSpan.FromSeconds(2));
        }
    }

    public static void AfterManifest(string folder) => PauseIf("after:", folder);

    /// <summary>The setting is PREFIX:NAME and <paramref name="where"/> contains NAME.</summary>
    private static bool Asked(string prefix, string where) =>
        s_setting is { } s && s.StartsWith(prefix, StringComparison.Ordinal) && where.Contains(s[prefix.Length..], StringComparison.Ordinal);

    private static void PauseIf(string prefix, string where)
    {
        if (Asked(prefix, where))
        {
            Console.Error.WriteLine($"distnn: test hook: checkpoint writer paused {prefix.TrimEnd(':')} {where}");
            Console.Error.Flush();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
